import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// The most recent dead-lettered jobs, newest first.
    package func deadJobs(type: String? = nil, limit: Int = 100) async throws -> [DeadJob] {
        /// Dead letters with their error history.
        let rows = try await client.query(
            """
            SELECT id, job_type, payload::text, attempt_number, max_attempts, error_message, errors::text, completed_at
            FROM job_queue
            WHERE status = 'failed' AND (\(type)::text IS NULL OR job_type = \(type)::text)
            ORDER BY completed_at DESC NULLS LAST
            LIMIT \(limit)
            """,
            logger: logger
        )
        var jobs: [DeadJob] = []
        for try await (id, type, payload, attempts, maxAttempts, message, errors, failedAt) in rows.decode(
            (UUID, String, String, Int, Int, String?, String, Date?).self
        ) {
            jobs.append(
                DeadJob(
                    id: id, jobType: type, payload: payload, attempts: attempts, maxAttempts: maxAttempts,
                    errorMessage: message, errors: errors, failedAt: failedAt
                )
            )
        }
        return jobs
    }

    /// Depth per type and live status (pending, processing, failed), with the age of the oldest runnable job.
    package func stats() async throws -> [QueueStat] {
        /// Live rows and dead letters per type, each state through its own partial index (never the finished history).
        let rows = try await client.query(
            """
            SELECT job_type, 'pending', count(*)::int8,
                   COALESCE(EXTRACT(EPOCH FROM now() - min(run_at) FILTER (WHERE run_at <= now())), 0)::float8
            FROM job_queue WHERE status = 'pending' GROUP BY job_type
            UNION ALL
            SELECT job_type, 'processing', count(*)::int8, 0 FROM job_queue WHERE status = 'processing' GROUP BY job_type
            UNION ALL
            SELECT job_type, 'failed', count(*)::int8, 0 FROM job_queue WHERE status = 'failed' GROUP BY job_type
            ORDER BY 1, 2
            """,
            logger: logger
        )
        var stats: [QueueStat] = []
        for try await (type, status, count, age) in rows.decode((String, String, Int, Double).self) {
            stats.append(QueueStat(jobType: type, status: status, count: count, oldestAvailableAgeSeconds: age))
        }
        return stats
    }

    /// Cancels a pending job; returns whether it was pending.
    @discardableResult
    package func cancel(_ id: UUID) async throws -> Bool {
        /// Only pending work can be cancelled here; running work is stopped by its owner.
        let rows = try await client.query(
            "UPDATE job_queue SET status = 'cancelled', completed_at = now() WHERE id = \(id) AND status = 'pending' RETURNING id",
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Sends dead job `id` back to pending with a fresh set of attempts (its error history is kept). Attempt numbers go on
    /// from where they stopped, never reused.
    @discardableResult
    package func requeue(_ id: UUID) async throws -> Bool {
        /// Revive one dead job.
        let rows = try await client.query(
            """
            UPDATE job_queue SET status = 'pending', max_attempts = attempt_number + max_attempts, run_at = now(), completed_at = NULL
            WHERE id = \(id) AND status = 'failed'
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Sends every dead job of `type` back to pending; returns how many.
    @discardableResult
    package func requeueAll(type: String) async throws -> Int {
        /// Revive all dead jobs of one type.
        let rows = try await client.query(
            """
            UPDATE job_queue SET status = 'pending', max_attempts = attempt_number + max_attempts, run_at = now(), completed_at = NULL
            WHERE job_type = \(type) AND status = 'failed'
            RETURNING id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }
}

extension JobQueue {
    /// `type`'s runnable (pending, due) jobs, counted up to `limit` (through the claim index, so a long queue costs no more
    /// than `limit` index entries).
    package func runnable(type: String, limit: Int) async throws -> Int {
        let rows = try await client.query(
            """
            SELECT count(*)::int8 FROM (
                SELECT 1 FROM job_queue WHERE job_type = \(type) AND status = 'pending' AND run_at <= now() LIMIT \(limit)
            ) AS runnable
            """,
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
