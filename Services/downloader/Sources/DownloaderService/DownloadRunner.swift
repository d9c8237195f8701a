import Database
import Domain
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import Storage

/// Fetches every output of a generation, verifies and stores it, then records images and completion in ONE transaction.
struct DownloadRunner: Sendable {
    let fetcher: SafeFetcher
    let storage: any ImageStorage
    let generations: GenerationStore
    let client: PostgresClient
    let publicBaseURL: String

    func run(_ payload: GenerationJobPayload, logger: Logger) async -> JobOutcome {
        var logger = logger
        logger[metadataKey: "generation.id"] = "\(payload.generationId)"
        do {
            guard let generation = try await generations.find(payload.generationId) else {
                return .permanentFailure("generation \(payload.generationId) does not exist")
            }
            switch generation.status {
            case .downloading: break
            case .completed, .failed, .cancelled: return .done(result: ["outcome": "already \(generation.status.rawValue)"])
            default: return .retryLater("generation is \(generation.status.rawValue), not downloading yet", after: .seconds(2))
            }
            let outputs = generation.outputUrls ?? []
            guard !outputs.isEmpty else {
                try await generations.fail(generation.id, message: "No outputs to download")
                return .done(result: ["outcome": "failed"])
            }
            var images: [StoredImage] = []
            for (index, url) in outputs.enumerated() {
                do {
                    images.append(try await store(url, index: index, of: generation))
                } catch let error as FetchError where error.permanent {
                    logger.warning("Output refused", metadata: ["error": "\(error)"])
                    try await generations.fail(generation.id, message: "Output \(index) could not be stored: \(error.description)")
                    return .done(result: ["outcome": "failed"])
                }
            }
            try await complete(generation, images: images)
            logger.info("Stored outputs", metadata: ["images": "\(images.count)"])
            return .done(result: ["outcome": "completed", "images": "\(images.count)"])
        } catch let error as FetchError {
            return .retryLater(error.description, after: nil)
        } catch {
            logger.error("Download attempt failed", metadata: ["error": "\(error)"])
            return .retryLater("\(error)", after: nil)
        }
    }

    /// Streams one output to storage (memory does not grow with its size), then checks it is an image.
    private func store(_ url: String, index: Int, of generation: Generation) async throws -> StoredImage {
        let base = "\(generation.userId.uuidString.lowercased())/\(generation.id.uuidString.lowercased())\(index == 0 ? "" : "-\(index)")"
        let pending = try storage.writer(for: base + ".download")
        let head: [UInt8]
        do {
            head = try await fetcher.fetch(url) { try pending.append(Array($0)) }
        } catch {
            pending.abandon()
            throw error
        }
        guard let info = ImageInspector.inspect(head) else {
            pending.abandon()
            throw FetchError(description: "the bytes are not a PNG, JPEG, WebP, GIF or SVG image", permanent: true)
        }
        let (size, digest) = try pending.commit()
        let path = "\(base).\(info.format == "jpeg" ? "jpg" : info.format)"
        try storage.move(from: base + ".download", to: path)
        return StoredImage(
            generationId: generation.id, userId: generation.userId, outputIndex: index, filename: (path as NSString).lastPathComponent,
            storagePath: path, publicUrl: "\(publicBaseURL)/files/\(path)", fileSize: size, width: info.width, height: info.height,
            format: info.format, contentType: info.contentType, sha256: digest
        )
    }

    /// ONE statement: upsert the image rows (unique per generation and output index, so a retry never duplicates them) and
    /// complete the generation (only from downloading: a cancelled or failed one keeps its outcome).
    private func complete(_ generation: Generation, images: [StoredImage]) async throws {
        let statement = CompleteDownload(generation: generation, images: images)
        try await client.withPublishedNotifications(logger: generations.logger) { connection in
            for try await _ in try await connection.execute(statement, logger: generations.logger) {}
        }
    }
}

/// The images, then the generation's completion, in one statement (prepared: once per generation).
private struct CompleteDownload: PostgresPreparedStatement {
    static let sql = """
        WITH stored AS (
            INSERT INTO images (generation_id, user_id, output_index, filename, storage_path, public_url, file_size, width,
                                height, format, content_type, sha256, source_url, prompt, negative_prompt, model)
            SELECT $1, $2, i, f, sp, pu, fs, w, h, fm, ct, sh, NULLIF(su, ''), $3, $4, $5
            FROM unnest($6::int[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::int[], $12::int[], $13::text[], $14::text[],
                        $15::text[], $16::text[]) AS x(i, f, sp, pu, fs, w, h, fm, ct, sh, su)
            ON CONFLICT (generation_id, output_index) DO UPDATE
            SET filename = EXCLUDED.filename, storage_path = EXCLUDED.storage_path, public_url = EXCLUDED.public_url,
                file_size = EXCLUDED.file_size, width = EXCLUDED.width, height = EXCLUDED.height, format = EXCLUDED.format,
                content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256
        )
        UPDATE image_generations
        SET status = 'completed', progress = 100, completed_at = now(),
            generation_time_seconds = CEIL(EXTRACT(EPOCH FROM now() - created_at))::int
        WHERE id = $1 AND status = 'downloading'
        RETURNING id
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .uuid, .uuid, .text, .text, .text,
        .int8Array, .textArray, .textArray, .textArray, .int8Array, .int8Array, .int8Array, .textArray, .textArray, .textArray, .textArray,
    ]
    var generation: Generation, images: [StoredImage]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 16)
        try bindings.append(generation.id)
        try bindings.append(generation.userId)
        try bindings.append(generation.prompt)
        try bindings.append(generation.negativePrompt)
        try bindings.append(generation.model)
        try bindings.append(images.map(\.outputIndex))
        try bindings.append(images.map(\.filename))
        try bindings.append(images.map(\.storagePath))
        try bindings.append(images.map(\.publicUrl))
        try bindings.append(images.map(\.fileSize))
        try bindings.append(images.map(\.width))
        try bindings.append(images.map(\.height))
        try bindings.append(images.map(\.format))
        try bindings.append(images.map(\.contentType))
        try bindings.append(images.map(\.sha256))
        try bindings.append(images.map { generation.outputUrls?[$0.outputIndex] ?? "" })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID { try row.decode(UUID.self) }
}
