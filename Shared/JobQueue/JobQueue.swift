import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL job queue: transactional insert, batched claim with leases, guarded completion, retry, rescue and retention.
///
/// Every state change is guarded in its `WHERE` clause by the attempt that holds the job, so an attempt whose lease was
/// rescued can never complete, fail or renew the job again, and a finished job is never overwritten. Statements that
/// update a batch of given jobs (complete, renew, release) first lock their rows one by one in id order, so two batches
/// over the same jobs, such as a completion and a lease renewal, queue behind each other instead of deadlocking.
///
/// Every statement reaches its rows through an index whatever the planner guesses: given jobs one by one through the
/// primary key (their state checked once locked, so no partial index of one state looks cheaper), runnable ones through
/// `job_queue_available`, and the rows to update as one array of ids (`id = ANY (ARRAY(...))`), never a join. Guesses
/// lag behind a queue (a burst lands before the next ANALYZE; a plan kept from when the table was small), and plans
/// that trusted them read every pending or processing row, or hashed the whole table, on each statement.
package struct JobQueue: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    // MARK: Insert

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
        let rows = try await connection.execute(
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

    // MARK: Claim

    /// Claims up to `limits[type]` runnable jobs of each type for `worker`, stamping a lease of `lease`.
    package func claim(limits: [String: Int], worker: String, lease: Duration) async throws -> [ClaimedJob] {
        let wanted = limits.filter { $0.value > 0 }
        guard !wanted.isEmpty else { return [] }
        let types = Array(wanted.keys)
        let counts = types.map { wanted[$0]! }
        let rows = try await client.execute(
            ClaimJobs(types: types, counts: counts, worker: worker, leaseMilliseconds: lease.milliseconds), logger: logger
        )
        var jobs: [ClaimedJob] = []
        for try await (id, type, payload, attempt, maxAttempts, priority, createdAt, runAt, now) in rows {
            jobs.append(
                ClaimedJob(
                    id: id, type: type, payload: payload, attempt: attempt, maxAttempts: maxAttempts, priority: priority,
                    createdAt: createdAt, runAt: runAt, claimedAt: now
                )
            )
        }
        return jobs.sorted { ($0.priority, $1.runAt) > ($1.priority, $0.runAt) }
    }

    /// The claim's and the completion's SQL, for tests that check how PostgreSQL plans them.
    package static var claimSQL: String { ClaimJobs.sql }
    package static var completeSQL: String { CompleteJobs.sql }

    /// Extends the leases of `leases` still held by `worker`; returns the ones renewed (the others were lost).
    package func renew(_ leases: [JobLease], worker: String, lease: Duration) async throws -> Set<JobLease> {
        guard !leases.isEmpty else { return [] }
        let ids = leases.map(\.id)
        let attempts = leases.map(\.attempt)
        /// Renew only rows this attempt still holds.
        let rows = try await client.query(
            """
            UPDATE job_queue AS q
            SET locked_until = now() + \(lease.milliseconds)::float8 * interval '1 millisecond'
            WHERE q.id = ANY (ARRAY(
                SELECT j.id
                FROM (SELECT * FROM unnest(\(ids)::uuid[], \(attempts)::int[]) AS r(id, attempt) ORDER BY id) AS r
                CROSS JOIN LATERAL (SELECT id, status, attempt_number, locked_by FROM job_queue WHERE id = r.id FOR UPDATE) AS j
                WHERE j.status = 'processing' AND j.attempt_number = r.attempt AND j.locked_by = \(worker)
            ))
            RETURNING q.id, q.attempt_number
            """,
            logger: logger
        )
        var renewed = Set<JobLease>()
        for try await (id, attempt) in rows.decode((UUID, Int).self) { renewed.insert(JobLease(id: id, attempt: attempt)) }
        return renewed
    }

    // MARK: Finish

    /// Marks the attempts in `results` completed (JSON result text or nil); returns the attempts accepted.
    @discardableResult
    package func complete(_ results: [(lease: JobLease, result: String?)]) async throws -> Set<JobLease> {
        guard !results.isEmpty else { return [] }
        let ids = results.map(\.lease.id)
        let attempts = results.map(\.lease.attempt)
        let values = results.map { $0.result ?? "" }
        let rows = try await client.execute(CompleteJobs(ids: ids, attempts: attempts, results: values), logger: logger)
        var accepted = Set<JobLease>()
        for try await (id, attempt) in rows { accepted.insert(JobLease(id: id, attempt: attempt)) }
        return accepted
    }

    /// Records a failed attempt: retried after `delay` while attempts remain and `retryable`, otherwise dead-lettered
    /// (which also fails the job's generation, by trigger, in the same transaction).
    @discardableResult
    package func fail(_ lease: JobLease, error: String, retryable: Bool, delay: Duration) async throws -> FailureOutcome {
        /// Guarded by the attempt; appends the error to the job's history.
        let rows = try await client.query(
            """
            UPDATE job_queue AS q
            SET status = CASE WHEN \(retryable) AND q.attempt_number < q.max_attempts THEN 'pending' ELSE 'failed' END,
                run_at = CASE WHEN \(retryable) AND q.attempt_number < q.max_attempts
                              THEN now() + \(delay.milliseconds)::float8 * interval '1 millisecond' ELSE q.run_at END,
                completed_at = CASE WHEN \(retryable) AND q.attempt_number < q.max_attempts THEN NULL ELSE now() END,
                error_message = \(error),
                errors = q.errors || jsonb_build_object(
                    'attempt', q.attempt_number, 'error', \(error)::text, 'at', now(), 'worker', q.locked_by,
                    'retry_in_ms', CASE WHEN \(retryable) AND q.attempt_number < q.max_attempts THEN \(delay.milliseconds)::float8 END
                ),
                locked_by = NULL,
                locked_until = NULL
            WHERE q.id = \(lease.id) AND q.status = 'processing' AND q.attempt_number = \(lease.attempt)
            RETURNING q.status, q.run_at
            """,
            logger: logger
        )
        for try await (status, runAt) in rows.decode((String, Date).self) {
            return status == "pending" ? .retrying(at: runAt) : .deadLettered
        }
        return .leaseLost
    }

    /// Puts `leases` back to pending without spending an attempt (graceful shutdown: another worker takes them at once).
    package func release(_ leases: [JobLease]) async throws {
        guard !leases.isEmpty else { return }
        let ids = leases.map(\.id)
        let attempts = leases.map(\.attempt)
        /// Undo the claim of attempts that still hold their jobs.
        try await client.query(
            """
            UPDATE job_queue AS q
            SET status = 'pending', attempt_number = q.attempt_number - 1, run_at = now(), locked_by = NULL, locked_until = NULL
            WHERE q.id = ANY (ARRAY(
                SELECT j.id
                FROM (SELECT * FROM unnest(\(ids)::uuid[], \(attempts)::int[]) AS r(id, attempt) ORDER BY id) AS r
                CROSS JOIN LATERAL (SELECT id, status, attempt_number FROM job_queue WHERE id = r.id FOR UPDATE) AS j
                WHERE j.status = 'processing' AND j.attempt_number = r.attempt
            ))
            """,
            logger: logger
        )
    }

    // MARK: Maintenance

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

    /// Sends dead job `id` back to pending with a fresh set of attempts (its error history is kept).
    @discardableResult
    package func requeue(_ id: UUID) async throws -> Bool {
        /// Revive one dead job.
        let rows = try await client.query(
            """
            UPDATE job_queue SET status = 'pending', attempt_number = 0, run_at = now(), completed_at = NULL
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
            UPDATE job_queue SET status = 'pending', attempt_number = 0, run_at = now(), completed_at = NULL
            WHERE job_type = \(type) AND status = 'failed'
            RETURNING id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }

    // MARK: Inspection

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

    /// When the next pending job of `types` becomes runnable (nil when none is pending).
    package func nextRunAt(types: [String]) async throws -> Date? {
        /// Earliest run_at among pending jobs of these types.
        let rows = try await client.query(
            "SELECT min(run_at) FROM job_queue WHERE status = 'pending' AND job_type = ANY(\(types)::text[])",
            logger: logger
        )
        for try await date in rows.decode(Date?.self) { return date }
        return nil
    }
}

extension Duration {
    /// This duration in (fractional) milliseconds.
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// This duration in (fractional) seconds.
    package var seconds: Double { milliseconds / 1000 }
}

/// Inserts jobs from parallel arrays in one statement (prepared once per connection); a live duplicate dedupe key is skipped.
private struct EnqueueJobs: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO job_queue (job_type, payload, priority, max_attempts, run_at, dedupe_key)
        SELECT t, p::jsonb, pr, ma, now() + d * interval '1 millisecond', NULLIF(k, '')
        FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::float8[], $6::text[]) AS x(t, p, pr, ma, d, k)
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing') DO NOTHING
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

/// Per type, locks the highest-priority runnable rows (skipping rows others hold) and marks them processing with a lease
/// (prepared once per connection: the dispatcher runs it on every wake). The picked ids reach the update as one array, so
/// it finds them through the primary key whatever the planner guesses of how many there are: joined as a set, a
/// guess of thousands (a `LIMIT` of a parameter) hashed the whole table, history included, on every claim.
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
            CROSS JOIN LATERAL (
                SELECT j.id FROM job_queue AS j
                WHERE j.status = 'pending' AND j.job_type = w.job_type AND j.run_at <= now()
                ORDER BY j.priority DESC, j.run_at, j.id
                LIMIT w.n
                FOR UPDATE SKIP LOCKED
            ) AS c
        ))
        RETURNING q.id, q.job_type, q.payload::text, q.attempt_number, q.max_attempts, q.priority, q.created_at, q.run_at, now()
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .int8Array, .text, .float8]
    typealias Row = (UUID, String, String, Int, Int, Int, Date, Date, Date)

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

/// Completes attempts in one statement, only where each attempt still holds its job (prepared: completions are batched
/// continuously).
private struct CompleteJobs: PostgresPreparedStatement {
    static let sql = """
        UPDATE job_queue AS q
        SET status = 'completed', result = NULLIF(($3::text[])[array_position($1::uuid[], q.id)], '')::jsonb,
            completed_at = now(), locked_by = NULL, locked_until = NULL
        WHERE q.id = ANY (ARRAY(
            SELECT j.id
            FROM (SELECT * FROM unnest($1::uuid[], $2::int[]) AS c(id, attempt) ORDER BY id) AS c
            CROSS JOIN LATERAL (SELECT id, status, attempt_number FROM job_queue WHERE id = c.id FOR UPDATE) AS j
            WHERE j.status = 'processing' AND j.attempt_number = c.attempt
        ))
        RETURNING q.id, q.attempt_number
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .int8Array, .textArray]
    typealias Row = (UUID, Int)

    var ids: [UUID], attempts: [Int], results: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        try bindings.append(ids)
        try bindings.append(attempts)
        try bindings.append(results)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
