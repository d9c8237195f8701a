import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// SQL for a lateral subquery: the claim key (`priority, fair_rank, run_at, id`) of the pending job holding the dedupe
    /// key `dedupeKey` (an SQL expression), no row when none is pending, so a row and its job's place are read at once.
    package static func claimKeySQL(dedupeKey: String) -> String {
        "SELECT priority, fair_rank, run_at, id FROM job_queue WHERE dedupe_key = \(dedupeKey) AND status = 'pending' LIMIT 1"
    }

    /// The claim keys of the pending jobs holding `dedupeKeys`, by dedupe key.
    package func claimKeys(dedupeKeys: [String]) async throws -> [String: ClaimKey] {
        guard !dedupeKeys.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT dedupe_key, priority, fair_rank, run_at, id FROM job_queue
            WHERE dedupe_key = ANY(\(dedupeKeys)::text[]) AND status = 'pending'
            """,
            logger: logger
        )
        var keys: [String: ClaimKey] = [:]
        for try await (dedupeKey, priority, rank, runAt, id) in rows.decode((String, Int, Int, Date, UUID).self) {
            keys[dedupeKey] = ClaimKey(priority: priority, fairRank: rank, runAt: runAt, id: id)
        }
        return keys
    }

    /// The runnable jobs of `type` in the claim's order, every `spacing`-th of them so that about `size` remain (one pass
    /// over the claim index): a job's place is how many of them precede it, times `spacing`.
    package func claimOrderSample(type: String, size: Int = 1000) async throws -> (keys: [ClaimKey], spacing: Int) {
        let rows = try await client.query(
            """
            SELECT priority, fair_rank, run_at, id, spacing FROM (
                SELECT priority, fair_rank, run_at, id, row_number() OVER (ORDER BY priority DESC, fair_rank, run_at, id) AS n,
                       greatest(1, count(*) OVER () / \(size))::int8 AS spacing
                FROM job_queue WHERE job_type = \(type) AND status = 'pending' AND run_at <= now()
            ) AS ordered
            WHERE n % spacing = 0 ORDER BY n
            """,
            logger: logger
        )
        var keys: [ClaimKey] = []
        var spacing = 1
        for try await (priority, rank, runAt, id, every) in rows.decode((Int, Int, Date, UUID, Int).self) {
            keys.append(ClaimKey(priority: priority, fairRank: rank, runAt: runAt, id: id))
            spacing = every
        }
        return (keys, spacing)
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
