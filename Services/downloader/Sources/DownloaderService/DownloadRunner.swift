import Database
import Foundation
import Generations
import JobContract
import Logging
import Metrics
import SafeHTTP
import ServiceKit
import Storage
import Tracing
import WireFormat

/// Fetches every output of a generation, verifies and stores it, then records images and completion in ONE transaction.
struct DownloadRunner: Sendable {
    let fetcher: SafeFetcher
    let storage: any ImageStorage
    let generations: GenerationStore
    let publicBaseURL: String
    let health: StorageHealth

    func run(_ payload: GenerationJobPayload, logger: Logger) async -> JobOutcome {
        var logger = logger
        logger[metadataKey: "generation.id"] = "\(payload.generationId.lowercase)"
        // Storage is failing: wait for it here rather than fetch what cannot be written (no attempt spent).
        if await !health.isWritable() { return .snooze(after: StorageHealth.retryAfter) }
        do {
            guard let generation = try await generations.find(payload.generationId) else {
                return .failed("generation \(payload.generationId) does not exist")
            }
            switch generation.status {
            case .downloading: break
            case .completed, .failed, .cancelled: return .done(result: ["outcome": "already \(generation.status.rawValue)"])
            default: return .retry("generation is \(generation.status.rawValue), not downloading yet", after: .seconds(2))
            }
            let outputs = generation.outputUrls ?? []
            guard !outputs.isEmpty else {
                try await generations.fail(generation.id, .noOutput)
                return .done(result: ["outcome": "failed"])
            }
            var images: [StoredImage] = []
            for (index, url) in outputs.enumerated() {
                do {
                    let started = DispatchTime.now()
                    let image = try await withSpan("download output", ofKind: .client) { span in
                        span.attributes["output.index"] = index
                        return try await store(url, index: index, of: generation)
                    }
                    Self.fetchDuration.recordInterval(since: started)
                    Self.bytes.increment(by: image.fileSize)
                    images.append(image)
                } catch let error as FetchError where error.permanent {
                    logger.warning("Output refused", metadata: ["error": "\(error)"])
                    Counter(label: MetricName.downloaderRefusalsTotal, dimensions: [("reason", error.reason)]).increment()
                    try await generations.fail(generation.id, .outputUnusable(index, error.userReason))
                    return .done(result: ["outcome": "failed", "reason": .string(error.description)])
                }
            }
            guard try await generations.complete(generation, images: images) else {
                // Cancelled (or failed) while downloading: nothing of it may stay reachable.
                for image in images { try? await storage.remove(image.storagePath) }
                logger.info("Generation stopped downloading meanwhile; stored files removed")
                return .done(result: ["outcome": "not downloading"])
            }
            logger.info("Stored outputs", metadata: ["images": "\(images.count)"])
            return .done(result: ["outcome": "completed", "images": "\(images.count)"])
        } catch let error as StorageFailure {
            // Our volume or bucket failed, not the output: the job waits for storage without spending an attempt, for as
            // long as the outputs can still be fetched (Replicate keeps them an hour; past that the fetch says they are gone).
            logger.error("Storage failed; the download waits for it", metadata: ["error": "\(error)"])
            health.failed(error)
            return .snooze(after: StorageHealth.retryAfter)
        } catch let error as FetchError {
            return .retry(error.description, after: nil)
        } catch {
            logger.error("Download attempt failed", metadata: ["error": "\(error)"])
            return .retry("\(error)", after: nil)
        }
    }

    /// `imagegen_downloader_bytes_total` stored, and `imagegen_downloader_fetch_duration_seconds` per output.
    static let bytes = Counter(label: MetricName.downloaderBytesTotal)
    static let fetchDuration = Metrics.Timer(label: MetricName.downloaderFetchDurationSeconds, preferredDisplayUnit: .seconds)

    /// Streams one output to storage (memory does not grow with its size), then checks it is an image.
    private func store(_ url: String, index: Int, of generation: Generation) async throws -> StoredImage {
        // Paths name no user: a shard of the generation id, then the generation and the output's index.
        let id = generation.id.lowercase
        let base = "\(id.prefix(2))/\(id)\(index == 0 ? "" : "-\(index)")"
        let pending = try await StorageFailure.during("open") { try await storage.writer(for: base + ".download") }
        let head: [UInt8]
        // Anything that does not begin like a raster image may be an SVG: it is kept whole (up to a cap) and parsed once
        // complete, if that is what it is.
        var markup: [UInt8]? = nil
        var first = true
        do {
            head = try await fetcher.fetch(url) { chunk in
                if first {
                    first = false
                    if !ImageInspector.startsAsRaster(chunk) { markup = [] }
                }
                if markup != nil {
                    markup!.append(contentsOf: chunk)
                    if markup!.count > SVGValidator.maxBytes { markup = nil }
                }
                try await StorageFailure.during("write") { try await pending.append(Array(chunk)) }
            }
        } catch {
            await pending.abandon()
            throw error
        }
        guard let info = ImageInspector.inspect(head) else {
            await pending.abandon()
            throw FetchError(
                description: "the bytes are not a PNG, JPEG, WebP, GIF or SVG image", permanent: true,
                userReason: "is not a PNG, JPEG, WebP, GIF or SVG image", reason: "not_an_image"
            )
        }
        if info.format == "svg" {
            let problem = markup.map(SVGValidator.problem(in:)) ?? "more than \(SVGValidator.maxBytes) bytes of markup"
            if let problem {
                await pending.abandon()
                throw FetchError(
                    description: "the SVG contains \(problem)", permanent: true, userReason: "is an SVG that contains \(problem)",
                    reason: "unsafe_svg")
            }
        }
        // Written once, straight to its name: the format is known before anything is visible.
        let path = "\(base).\(info.format == "jpeg" ? "jpg" : info.format)"
        let size: Int
        let digest: String
        do {
            (size, digest) = try await pending.commit(as: path, contentType: info.contentType)
        } catch {
            await pending.abandon()
            throw StorageFailure("commit", error)
        }
        health.succeeded()
        return StoredImage(
            generationId: generation.id, userId: generation.userId, outputIndex: index, filename: (path as NSString).lastPathComponent,
            storagePath: path, publicUrl: "\(publicBaseURL)/files/\(path)", fileSize: size, width: info.width, height: info.height,
            format: info.format, contentType: info.contentType, sha256: digest
        )
    }
}
