import Database
import Foundation
import PostgresNIO

/// The downloader's write: the stored images and the generation's completion together.
extension GenerationStore {
    /// ONE statement: upsert the image rows (unique per generation and output index, so a retry never duplicates them) and
    /// complete the generation, both only while it is downloading (a cancelled or failed one keeps its outcome and gets
    /// no images). Returns whether it completed.
    @discardableResult
    package func complete(_ generation: Generation, images: [StoredImage]) async throws -> Bool {
        let statement = CompleteDownload(generation: generation, images: images)
        return try await client.withPublishedNotifications(logger: logger) { connection in
            var completed = false
            for try await _ in try await connection.run(statement, logger: logger) { completed = true }
            return completed
        }
    }
}

/// The images, then the generation's completion, in one statement (prepared: once per generation).
private struct CompleteDownload: PostgresPreparedStatement {
    static let sql = """
        WITH target AS (
            SELECT id FROM image_generations WHERE id = $1 AND \(GenerationTransition.complete.guardSQL) FOR UPDATE
        ), stored AS (
            INSERT INTO images (generation_id, user_id, output_index, filename, storage_path, public_url, file_size, width,
                                height, format, content_type, sha256, source_url, prompt, negative_prompt, model)
            SELECT $1, $2, i, f, sp, pu, fs, w, h, fm, ct, sh, NULLIF(su, ''), $3, $4, $5
            FROM unnest($6::int[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::int[], $12::int[], $13::text[], $14::text[],
                        $15::text[], $16::text[]) AS x(i, f, sp, pu, fs, w, h, fm, ct, sh, su)
            CROSS JOIN target
            ON CONFLICT (generation_id, output_index) DO UPDATE
            SET filename = EXCLUDED.filename, storage_path = EXCLUDED.storage_path, public_url = EXCLUDED.public_url,
                file_size = EXCLUDED.file_size, width = EXCLUDED.width, height = EXCLUDED.height, format = EXCLUDED.format,
                content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256
        )
        UPDATE image_generations
        SET \(GenerationTransition.complete.setSQL), progress = 100, completed_at = now(),
            generation_time_seconds = CEIL(EXTRACT(EPOCH FROM now() - created_at))::int
        WHERE id = (SELECT id FROM target)
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
