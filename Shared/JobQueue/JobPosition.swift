import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// How many runnable jobs of `type` a claim would take before the pending job holding `dedupeKey`, in the claim's own
    /// order (priority, then fairness rank, then time), counted up to `cap` (a long queue is placed with
    /// ``claimOrderSample(type:every:)`` instead); nil when no such job is pending. Two index range scans over the pending
    /// jobs, each stopping at `cap`.
    package func position(type: String, dedupeKey: String, cap: Int = 1000) async throws -> Int? {
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

    /// Where the pending job holding `dedupeKey` stands in the claim's order, nil when none is pending.
    package func claimKey(type: String, dedupeKey: String) async throws -> ClaimKey? {
        let rows = try await client.query(
            """
            SELECT priority, fair_rank, run_at, id FROM job_queue
            WHERE dedupe_key = \(dedupeKey) AND status = 'pending' AND job_type = \(type) LIMIT 1
            """,
            logger: logger
        )
        for try await (priority, rank, runAt, id) in rows.decode((Int, Int, Date, UUID).self) {
            return ClaimKey(priority: priority, fairRank: rank, runAt: runAt, id: id)
        }
        return nil
    }

    /// Every `every`-th runnable job of `type` in the claim's order (one pass over the claim index): a sample to place
    /// a job deep in a long queue without counting what is ahead of it.
    package func claimOrderSample(type: String, every: Int) async throws -> [ClaimKey] {
        let rows = try await client.query(
            """
            SELECT priority, fair_rank, run_at, id FROM (
                SELECT priority, fair_rank, run_at, id, row_number() OVER (ORDER BY priority DESC, fair_rank, run_at, id) AS n
                FROM job_queue WHERE job_type = \(type) AND status = 'pending' AND run_at <= now()
            ) AS ordered
            WHERE n % \(every) = 0 ORDER BY n
            """,
            logger: logger
        )
        var keys: [ClaimKey] = []
        for try await (priority, rank, runAt, id) in rows.decode((Int, Int, Date, UUID).self) {
            keys.append(ClaimKey(priority: priority, fairRank: rank, runAt: runAt, id: id))
        }
        return keys
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

/// A pending job's place in the claim's order: higher priority first, then the lower fairness rank, then the earlier
/// `run_at`, then the id (as PostgreSQL orders uuids: by their bytes, which is their lowercase text's order).
package struct ClaimKey: Sendable, Equatable {
    package var priority: Int
    package var fairRank: Int
    package var runAt: Date
    package var id: UUID

    package init(priority: Int, fairRank: Int, runAt: Date, id: UUID) {
        self.priority = priority
        self.fairRank = fairRank
        self.runAt = runAt
        self.id = id
    }

    /// Whether a claim takes this job before `other`.
    package func precedes(_ other: ClaimKey) -> Bool {
        if priority != other.priority { return priority > other.priority }
        if fairRank != other.fairRank { return fairRank < other.fairRank }
        if runAt != other.runAt { return runAt < other.runAt }
        return id.uuidString.lowercased() < other.id.uuidString.lowercased()
    }
}
