import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// Returns jobs whose lease expired (their worker died) to pending, or dead-letters them when no attempts remain.
    /// Returns how many were rescued.
    @discardableResult
    package func rescueExpired(limit: Int = 1000) async throws -> Int {
        /// Take expired leases (skipping rows being finished right now) and release or dead-letter them.
        let rows = try await client.query(
            """
            UPDATE job_queue AS q
            SET status = CASE WHEN q.attempt_number >= q.max_attempts THEN 'failed' ELSE 'pending' END,
                completed_at = CASE WHEN q.attempt_number >= q.max_attempts THEN now() ELSE NULL END,
                run_at = now(),
                error_message = 'lease expired: worker ' || COALESCE(q.locked_by, 'unknown') || ' stopped renewing',
                errors = q.errors || jsonb_build_object('attempt', q.attempt_number, 'error', 'lease expired', 'at', now(),
                                                        'worker', q.locked_by),
                locked_by = NULL,
                locked_until = NULL
            WHERE q.id IN (
                SELECT id FROM job_queue
                WHERE status = 'processing' AND locked_until < now()
                ORDER BY locked_until
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            RETURNING q.id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        if count > 0 { logger.warning("Rescued jobs with expired leases", metadata: ["count": "\(count)"]) }
        return count
    }

    /// Dead-letters pending jobs whose type no route serves, so they fail clearly instead of waiting forever.
    @discardableResult
    package func deadLetterUnroutable(knownTypes: [String]) async throws -> Int {
        /// Fail pending jobs of unknown types.
        let rows = try await client.query(
            """
            UPDATE job_queue
            SET status = 'failed', completed_at = now(),
                error_message = 'no route for job type ''' || job_type || '''',
                errors = errors || jsonb_build_object('attempt', attempt_number, 'error', 'no route for job type', 'at', now())
            WHERE status = 'pending' AND NOT (job_type = ANY(\(knownTypes)::text[]))
            RETURNING id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }

    /// Deletes completed and cancelled jobs finished more than `age` ago, `batch` rows per statement; returns how many.
    @discardableResult
    package func prune(olderThan age: Duration, batch: Int = 1000) async throws -> Int {
        var total = 0
        while true {
            /// Delete one small batch of old finished rows.
            let rows = try await client.query(
                """
                DELETE FROM job_queue
                WHERE id IN (
                    SELECT id FROM job_queue
                    WHERE status IN ('completed', 'cancelled')
                      AND completed_at < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                    LIMIT \(batch)
                )
                RETURNING id
                """,
                logger: logger
            )
            var count = 0
            for try await _ in rows.decode(UUID.self) { count += 1 }
            total += count
            if count < batch { return total }
        }
    }
}
