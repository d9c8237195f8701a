import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// How many runnable jobs of `type` a claim would take before the pending job holding `dedupeKey`, in the claim's own
    /// order (priority, then fairness rank, then time), counted up to `cap`; nil when no such job is pending. Two index
    /// range scans over the pending jobs, each stopping at `cap`.
    package func position(type: String, dedupeKey: String, cap: Int = 10_000) async throws -> Int? {
        let rows = try await client.query(
            """
            WITH mine AS (
                SELECT priority, fair_rank, run_at, id FROM job_queue
                WHERE dedupe_key = \(dedupeKey) AND status = 'pending' AND job_type = \(type) LIMIT 1
            )
            SELECT (SELECT count(*) FROM (
                        SELECT 1 FROM job_queue AS j, mine AS m
                        WHERE j.job_type = \(type) AND j.status = 'pending' AND j.priority > m.priority AND j.run_at <= now()
                        LIMIT \(cap)
                    ) AS higher)::int8
                 + (SELECT count(*) FROM (
                        SELECT 1 FROM job_queue AS j, mine AS m
                        WHERE j.job_type = \(type) AND j.status = 'pending' AND j.priority = m.priority
                          AND (j.fair_rank, j.run_at, j.id) < (m.fair_rank, m.run_at, m.id) AND j.run_at <= now()
                        LIMIT \(cap)
                    ) AS level)::int8
            FROM mine
            """,
            logger: logger
        )
        for try await ahead in rows.decode(Int.self) { return min(ahead, cap) }
        return nil
    }

    /// Jobs of `type` that finished in the last minute (through the finished-jobs index): the rate the queue drains at.
    package func finishedLastMinute(type: String) async throws -> Int {
        let rows = try await client.query(
            """
            SELECT count(*)::int8 FROM job_queue
            WHERE status IN ('completed', 'cancelled') AND completed_at > now() - interval '1 minute' AND job_type = \(type)
            """,
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
