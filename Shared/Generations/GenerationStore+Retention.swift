import Foundation
import PostgresNIO

/// What is removed when it is older than an operator keeps it (`RETENTION_*_DAYS`), in small batches so no statement
/// holds locks for long. Usage and spend stay true: a generation keeps the number of its images that were removed.
extension GenerationStore {
    /// Whether an image row still names the file at `path` (what the gateway serves files by).
    package func isStoredImage(path: String) async throws -> Bool {
        for try await _ in try await client.query("SELECT 1 FROM images WHERE storage_path = \(path) LIMIT 1", logger: logger) { return true }
        return false
    }

    /// Removes up to `batch` image rows older than `age`; returns their storage paths, for the caller to remove.
    package func removeImages(olderThan age: Duration, batch: Int = 500) async throws -> [String] {
        let rows = try await client.query(
            """
            WITH removed AS (
                DELETE FROM images WHERE id IN (
                    SELECT id FROM images WHERE created_at < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                    ORDER BY created_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
                )
                RETURNING generation_id, storage_path
            ), counted AS (
                UPDATE image_generations g SET deleted_images = g.deleted_images + r.n
                FROM (SELECT generation_id, count(*)::int AS n FROM removed GROUP BY generation_id) r
                WHERE g.id = r.generation_id
            )
            SELECT storage_path FROM removed
            """,
            logger: logger
        )
        var paths: [String] = []
        for try await path in rows.decode(String.self) { paths.append(path) }
        return paths
    }

    /// Removes up to `batch` generation events older than `age` (a generation's status and progress stay on its row);
    /// returns how many.
    package func removeEvents(olderThan age: Duration, batch: Int = 5000) async throws -> Int {
        let rows = try await client.query(
            """
            DELETE FROM generation_events WHERE id IN (
                SELECT id FROM generation_events WHERE created_at < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                ORDER BY id LIMIT \(batch)
            )
            RETURNING id
            """,
            logger: logger
        )
        return try await count(rows)
    }

    /// Removes up to `batch` tombstones (generations deleted more than `age` ago), with what cascades from them; returns
    /// how many. Until then a deleted generation still counts in usage and spend; after, its month's figures lose it.
    package func removeTombstones(olderThan age: Duration, batch: Int = 1000) async throws -> Int {
        try await count(
            client.query(
                """
                DELETE FROM image_generations WHERE id IN (
                    SELECT id FROM image_generations WHERE deleted_at < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                    LIMIT \(batch) FOR UPDATE SKIP LOCKED
                )
                RETURNING 1
                """,
                logger: logger
            )
        )
    }

    /// Removes up to `batch` webhook delivery records older than `age`; returns how many.
    package func removeWebhookDeliveries(olderThan age: Duration, batch: Int = 5000) async throws -> Int {
        try await count(
            client.query(
                """
                DELETE FROM webhook_deliveries WHERE id IN (
                    SELECT id FROM webhook_deliveries WHERE attempted_at < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                    ORDER BY id LIMIT \(batch)
                )
                RETURNING 1
                """,
                logger: logger
            )
        )
    }

    /// Removes what is of no use once it is old, whatever the operator's settings: stream tokens an hour past their
    /// expiry, and the ids of Replicate webhook deliveries a day after they came (a replay older than the signature's
    /// five minutes is refused on its timestamp anyway). Returns how many rows went.
    package func removeExpired() async throws -> Int {
        let tokens = try await count(
            client.query("DELETE FROM stream_tokens WHERE expires_at < now() - interval '1 hour' RETURNING 1", logger: logger))
        let webhooks = try await count(
            client.query("DELETE FROM replicate_webhooks WHERE received_at < now() - interval '1 day' RETURNING 1", logger: logger)
        )
        return tokens + webhooks
    }

    private func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    /// Of `paths`, the ones no image row names (files left behind, e.g. by a crash between a delete and its files).
    package func unreferenced(_ paths: [String]) async throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let rows = try await client.query(
            "SELECT p FROM unnest(\(paths)::text[]) AS p WHERE NOT EXISTS (SELECT 1 FROM images WHERE storage_path = p)",
            logger: logger
        )
        var unreferenced: [String] = []
        for try await path in rows.decode(String.self) { unreferenced.append(path) }
        return unreferenced
    }
}
