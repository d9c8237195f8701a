import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// Claims up to `limits[type]` runnable jobs of each type for `worker`, stamping a lease of `lease`.
    package func claim(limits: [String: Int], worker: String, lease: Duration) async throws -> [ClaimedJob] {
        let wanted = limits.filter { $0.value > 0 }
        guard !wanted.isEmpty else { return [] }
        let types = Array(wanted.keys)
        let counts = types.map { wanted[$0]! }
        let rows = try await client.run(
            ClaimJobs(types: types, counts: counts, worker: worker, leaseMilliseconds: lease.milliseconds), logger: logger
        )
        var jobs: [ClaimedJob] = []
        for try await (id, type, payload, attempt, maxAttempts, priority, createdAt, runAt, now, trace, failures) in rows {
            jobs.append(
                ClaimedJob(
                    id: id, type: type, payload: payload, attempt: attempt, maxAttempts: maxAttempts, priority: priority,
                    createdAt: createdAt, runAt: runAt, claimedAt: now, traceContext: trace, failures: failures
                )
            )
        }
        return jobs.sorted { ($0.priority, $1.runAt) > ($1.priority, $0.runAt) }
    }

    /// The claim's SQL, for tests that check how PostgreSQL plans it.
    package static var claimSQL: String { ClaimJobs.sql }
}

/// Per type not paused (`dispatch_pauses`), locks the highest-priority runnable rows (skipping rows others hold) and marks them processing with a lease
/// (prepared once per connection: the dispatcher runs it on every wake). The picked ids reach the update as one array, so
/// it finds them through the primary key whatever the planner guesses of how many there are (joined as a set, a guess of
/// thousands would hash the whole table, history included).
private struct ClaimJobs: PostgresPreparedStatement {
    static let sql = """
        UPDATE job_queue AS q
        SET status = 'processing',
            attempt_number = q.attempt_number + 1,
            locked_by = $3,
            locked_until = now() + $4 * interval '1 millisecond',
            started_at = now()
        WHERE q.id = ANY (ARRAY(
            SELECT c.id
            FROM unnest($1::text[], $2::int[]) AS w(job_type, n)
            -- A paused type's jobs wait, whichever dispatcher claims.
            CROSS JOIN LATERAL (SELECT 1 WHERE NOT EXISTS (
                SELECT 1 FROM dispatch_pauses AS p WHERE p.kind = 'job_type' AND p.name = w.job_type
            )) AS unpaused
            CROSS JOIN LATERAL (
                SELECT j.id FROM job_queue AS j
                WHERE j.status = 'pending' AND j.job_type = w.job_type AND j.run_at <= now()
                ORDER BY j.priority DESC, j.fair_rank, j.run_at, j.id
                LIMIT w.n
                FOR UPDATE SKIP LOCKED
            ) AS c
        ))
        RETURNING q.id, q.job_type, q.payload::text, q.attempt_number, q.max_attempts, q.priority, q.created_at, q.run_at, now(),
            q.trace_context, jsonb_array_length(q.errors)
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .int8Array, .text, .float8]
    typealias Row = (UUID, String, String, Int, Int, Int, Date, Date, Date, String?, Int)

    var types: [String], counts: [Int], worker: String, leaseMilliseconds: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        try bindings.append(types)
        try bindings.append(counts)
        try bindings.append(worker)
        try bindings.append(leaseMilliseconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
