import Foundation
import JobContract
import Logging
import PostgresNIO
import WireFormat

/// A job to insert: its type (which service owns it), JSON payload and scheduling.
package struct NewJob: Sendable {
    /// Attempts a job gets unless it asks otherwise: the column's default too, so jobs inserted in SQL get the same.
    package static let defaultMaxAttempts = 5

    package var type: String
    /// JSON object text.
    package var payload: String
    package var priority: Int
    package var maxAttempts: Int
    /// Delay before the job may run (`run_at` = now + delay).
    package var delay: Duration
    /// While a live (pending or processing) job holds this key, another with the same key is not created.
    package var dedupeKey: String?

    /// A job of `Kind` whose payload is `payload`, encoded as the owning service decodes it.
    package init<Kind: JobKind>(
        _ kind: Kind.Type, payload: Kind.Payload, priority: Int = 0, maxAttempts: Int = defaultMaxAttempts, delay: Duration = .zero,
        dedupeKey: String? = nil
    ) throws {
        self.init(
            type: Kind.name, payload: String(decoding: try JSONCoding.encoder().encode(payload), as: UTF8.self), priority: priority,
            maxAttempts: maxAttempts, delay: delay, dedupeKey: dedupeKey
        )
    }

    /// A job of a type this process does not know the payload of (operators' tools, tests of the queue itself).
    package init(
        type: String, payload: String, priority: Int = 0, maxAttempts: Int = defaultMaxAttempts, delay: Duration = .zero,
        dedupeKey: String? = nil
    ) {
        self.type = type
        self.payload = payload
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.delay = delay
        self.dedupeKey = dedupeKey
    }
}

extension JobQueue {
    /// Inserts `jobs` on `connection` (inside the caller's transaction when it has one); returns the ids created.
    /// A job whose dedupe key a live job already holds is skipped and has no id in the result.
    @discardableResult
    package static func enqueue(_ jobs: [NewJob], on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        guard !jobs.isEmpty else { return [] }
        let types = jobs.map(\.type)
        let payloads = jobs.map(\.payload)
        let priorities = jobs.map(\.priority)
        let maxAttempts = jobs.map(\.maxAttempts)
        let delays = jobs.map { $0.delay.milliseconds }
        let keys = jobs.map { $0.dedupeKey ?? "" }
        let rows = try await connection.run(
            EnqueueJobs(types: types, payloads: payloads, priorities: priorities, maxAttempts: maxAttempts, delays: delays, keys: keys),
            logger: logger
        )
        var ids: [UUID] = []
        for try await id in rows { ids.append(id) }
        return ids
    }

    /// Inserts `jobs` atomically, outside any caller transaction.
    @discardableResult
    package func enqueue(_ jobs: [NewJob]) async throws -> [UUID] {
        // One statement is atomic on its own: no BEGIN/COMMIT round trips.
        try await client.withConnection { connection in
            try await Self.enqueue(jobs, on: connection, logger: logger)
        }
    }

    /// An `INSERT` of one job per row of `source` (a CTE of the caller's statement), so a row and its job are written by
    /// one statement in one round trip. Each argument is a SQL expression over `source`'s columns; the job gets the
    /// default number of attempts, and a live job holding the same dedupe key makes it a no-op. Returns the new job ids.
    /// `fairRank` orders jobs of one priority: how many live jobs the job's owner already has (see migration 14).
    package static func insertSQL(
        type: String, payload: String, priority: String, dedupeKey: String, fairRank: String = "0", traceContext: String = "NULL",
        from source: String
    ) -> String {
        """
        INSERT INTO job_queue (job_type, payload, priority, dedupe_key, fair_rank, trace_context)
        SELECT \(type), \(payload), \(priority), \(dedupeKey), \(fairRank), \(traceContext) FROM \(source)
        \(skipLiveDuplicates)
        RETURNING id
        """
    }

    /// The conflict clause of every insert: one live (pending or processing) job per dedupe key.
    package static let skipLiveDuplicates = "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing') DO NOTHING"

    /// Cancels the pending jobs holding any of `dedupeKeys`, on `connection` (inside the caller's transaction); running
    /// ones are stopped by their owners.
    package static func cancelPending(dedupeKeys: [String], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE job_queue SET status = 'cancelled', completed_at = now()
            WHERE dedupe_key = ANY(\(dedupeKeys)::text[]) AND status = 'pending'
            """,
            logger: logger
        )
    }

    /// Makes the pending jobs holding any of `dedupeKeys` runnable now (ending a retry's backoff), on `connection`.
    package static func runPendingNow(dedupeKeys: [String], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE job_queue SET run_at = now() WHERE dedupe_key = ANY(\(dedupeKeys)::text[]) AND status = 'pending' AND run_at > now()",
            logger: logger
        )
    }

    /// An SQL condition: a live (pending or processing) job holds the dedupe key `dedupeKey` (an SQL expression).
    package static func liveJobSQL(dedupeKey: String) -> String {
        "EXISTS (SELECT 1 FROM job_queue WHERE dedupe_key = \(dedupeKey) AND status IN ('pending', 'processing'))"
    }

    /// The first job ever created with `dedupeKey`, whatever became of it.
    package func firstJob(dedupeKey: String) async throws -> UUID? {
        let rows = try await client.query(
            "SELECT id FROM job_queue WHERE dedupe_key = \(dedupeKey) ORDER BY created_at LIMIT 1", logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}

/// Inserts jobs from parallel arrays in one statement (prepared once per connection); a live duplicate dedupe key is skipped.
private struct EnqueueJobs: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO job_queue (job_type, payload, priority, max_attempts, run_at, dedupe_key)
        SELECT t, p::jsonb, pr, ma, now() + d * interval '1 millisecond', NULLIF(k, '')
        FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::float8[], $6::text[]) AS x(t, p, pr, ma, d, k)
        \(JobQueue.skipLiveDuplicates)
        RETURNING id
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray, .int8Array, .int8Array, .float8Array, .textArray]
    typealias Row = UUID

    var types: [String], payloads: [String], priorities: [Int], maxAttempts: [Int], delays: [Double], keys: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        try bindings.append(types)
        try bindings.append(payloads)
        try bindings.append(priorities)
        try bindings.append(maxAttempts)
        try bindings.append(delays)
        try bindings.append(keys)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID { try row.decode(UUID.self) }
}
