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

    /// Raises by one the priority of runnable jobs that have waited long for their level: a job at priority `p` (from
    /// `floor`, below `ceiling`) once it has waited `(max(p, 0) + 1) × step`. Low priorities so reach the top in time and
    /// nothing starves behind a stream of higher ones (batch items, below 0, climb a level a step). Reaches rows per type
    /// and level through `job_queue_available`.
    @discardableResult
    package func agePriorities(types: [String], step: Duration, ceiling: Int, floor: Int = 0, limit: Int = 1000) async throws -> Int {
        guard !types.isEmpty, ceiling > 0 else { return 0 }
        /// One level up for the rows that waited long enough at theirs.
        let rows = try await client.query(
            """
            UPDATE job_queue AS q SET priority = q.priority + 1
            WHERE q.id = ANY (ARRAY(
                SELECT j.id
                FROM unnest(\(types)::text[]) AS t(job_type)
                CROSS JOIN generate_series(\(floor), \(ceiling) - 1) AS l(priority)
                CROSS JOIN LATERAL (
                    SELECT id FROM job_queue
                    WHERE status = 'pending' AND job_type = t.job_type AND priority = l.priority
                      AND run_at <= now() - (greatest(l.priority, 0) + 1) * \(step.milliseconds)::float8 * interval '1 millisecond'
                    ORDER BY fair_rank, run_at
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ) AS j
            ))
            RETURNING q.id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }

    /// Dead-letters pending jobs whose type is not in `knownTypes`, so they fail clearly instead of waiting forever. Only
    /// for a caller that knows every job type of the deployment: another dispatcher may serve types this one does not.
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
        try await prune(statuses: ["completed", "cancelled"], olderThan: age, batch: batch)
    }

    /// Deletes dead letters (`failed` jobs) older than `age` (`RETENTION_DEAD_JOBS_DAYS`); returns how many.
    @discardableResult
    package func pruneDead(olderThan age: Duration, batch: Int = 1000) async throws -> Int {
        try await prune(statuses: ["failed"], olderThan: age, batch: batch)
    }

    private func prune(statuses: [String], olderThan age: Duration, batch: Int) async throws -> Int {
        var total = 0
        while true {
            /// Delete one small batch of old finished rows.
            let rows = try await client.query(
                """
                DELETE FROM job_queue
                WHERE id IN (
                    SELECT id FROM job_queue
                    WHERE status = ANY(\(statuses)::text[])
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
