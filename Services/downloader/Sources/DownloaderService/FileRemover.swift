import Generations
import JobContract
import Logging
import Storage
import WireFormat

/// Runs `delete-files`: removes a deleted generation's stored files (the downloader owns them; the gateway may not even
/// be able to write there). Removing what is already gone succeeds, so a retry is harmless; a path outside the layout
/// the downloader writes is never touched.
struct FileRemover: Sendable {
    let storage: any ImageStorage

    func run(_ payload: DeleteFiles.Payload, logger: Logger) async -> JobOutcome {
        var removed = 0
        for path in payload.paths {
            guard StorageJanitor.isOurs(path) else {
                logger.warning("Not removing a path outside the storage layout", metadata: ["generation.id": "\(payload.generationId.lowercase)"])
                continue
            }
            do {
                try await storage.remove(path)
                removed += 1
            } catch {
                return .retry("could not remove \(path): \(error)", after: nil)
            }
        }
        logger.info("Removed a deleted generation's files", metadata: ["generation.id": "\(payload.generationId.lowercase)", "files": "\(removed)"])
        return .done(result: ["removed": .int(removed)])
    }
}
