import Foundation
import Generations
import Logging
import Metrics
import RegexBuilder
import ServiceLifecycle
import Storage
import WireFormat

/// Keeps the image store to what the database names: images past `RETENTION_IMAGES_DAYS` (their rows, then their
/// files) and files no row names (left by a crash between a delete and its files, or by a download that never
/// finished), once they are an hour old so a download in flight is never touched. Small batches, every few minutes;
/// counted in `imagegen_downloader_retention_removed_total{kind}`. It runs where the files are (the downloader).
package struct StorageJanitor: Service {
    let generations: GenerationStore
    let storage: any ImageStorage
    let imagesRetention: Duration?
    var orphanAge: Duration = .seconds(3600)
    var interval: Duration = .seconds(600)
    /// False for a bucket without a prefix (`s3://bucket?…`): what else lives there is not ours to judge.
    var sweepsOrphans = true
    let logger: Logger

    /// Whether `path` has a name this service writes: `<shard>/<generation>[-N].<ext>`, its `.download` form, the hidden
    /// `.tmp` of either, and storage probes; or a direct upload clients PUT (`uploads/<id>.upload`, the gateway's). The
    /// orphan sweep removes nothing else, whatever shares the directory or bucket.
    package static func isOurs(_ path: String) -> Bool {
        let uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/
        let tmp = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\.tmp/
        let stored = Regex {
            Optionally { /[0-9a-f]{2}\// }
            Optionally { "." }
            Optionally { "probe-" }
            uuid
            Optionally { /-[0-9]{1,3}/ }
            /\.(png|jpg|webp|gif|svg|download)/
            Optionally {
                "."
                tmp
            }
        }
        let upload = Regex {
            "uploads/"
            uuid
            ".upload"
        }
        return path.wholeMatch(of: stored) != nil || path.wholeMatch(of: upload) != nil
    }

    package init(generations: GenerationStore, storage: any ImageStorage, imagesRetention: Duration?, logger: Logger) {
        self.generations = generations
        self.storage = storage
        self.imagesRetention = imagesRetention
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await pass()
                if removed.images + removed.orphans > 0 {
                    logger.info("Storage swept", metadata: ["images": "\(removed.images)", "orphans": "\(removed.orphans)"])
                }
            } catch {
                logger.warning("Storage sweep failed", metadata: ["error": "\(error)"])
            }
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil else { return }
        }
    }

    /// One sweep: expired images, then orphaned files.
    package func pass() async throws -> (images: Int, orphans: Int) {
        var images = 0
        if let age = imagesRetention {
            while case let paths = try await generations.removeImages(olderThan: age), !paths.isEmpty {
                for path in paths { try? await storage.remove(path) }
                images += paths.count
            }
        }
        var orphans = 0
        guard sweepsOrphans else { return (images, 0) }
        let candidates = try await storage.files(olderThan: orphanAge).filter(Self.isOurs)
        for start in stride(from: 0, to: candidates.count, by: 1000) {
            let chunk = Array(candidates[start..<min(start + 1000, candidates.count)])
            // An unfinished write or download an hour old will never finish; anything else is kept while a row names it.
            let unfinished = chunk.filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".download") }
            let unnamed = try await generations.unreferenced(chunk.filter { !unfinished.contains($0) })
            for path in unfinished + unnamed where (try? await storage.remove(path)) != nil { orphans += 1 }
        }
        Counter(label: MetricName.downloaderRetentionRemovedTotal, dimensions: [("kind", "images")]).increment(by: images)
        Counter(label: MetricName.downloaderRetentionRemovedTotal, dimensions: [("kind", "orphans")]).increment(by: orphans)
        return (images, orphans)
    }
}
