import Foundation
import Logging
import PostgresNIO

extension JobQueue {
    /// The completion's SQL, for tests that check how PostgreSQL plans it.
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
                CROSS JOIN LATERAL (SELECT id, status, attempt_number, locked_by FROM job_queue WHERE id = r.id LIMIT 1 FOR UPDATE) AS j
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

    /// Marks the attempts in `results` completed (JSON result text or nil); returns the attempts accepted.
    @discardableResult
    package func complete(_ results: [(lease: JobLease, result: String?)]) async throws -> Set<JobLease> {
        guard !results.isEmpty else { return [] }
        let ids = results.map(\.lease.id)
        let attempts = results.map(\.lease.attempt)
        let values = results.map { $0.result ?? "" }
        let rows = try await client.run(CompleteJobs(ids: ids, attempts: attempts, results: values), logger: logger)
        var accepted = Set<JobLease>()
        for try await (id, attempt) in rows { accepted.insert(JobLease(id: id, attempt: attempt)) }
        return accepted
    }

    /// Records a failed attempt: retried after `delay` while attempts remain and `retryable`, otherwise dead-lettered
    /// (which also fails the job's generation, by trigger, in the same transaction).
    @discardableResult
    package func fail(_ lease: JobLease, error: String, retryable: Bool, delay: Duration) async throws -> FailureOutcome {
        try await fail([JobFailure(lease: lease, error: error, retryable: retryable, delay: delay)])[lease] ?? .leaseLost
    }

    /// Records many failed attempts in one statement (see ``BatchCompleter``); an attempt that no longer held its job has
    /// no outcome.
    package func fail(_ failures: [JobFailure]) async throws -> [JobLease: FailureOutcome] {
        guard !failures.isEmpty else { return [:] }
        let ids = failures.map(\.lease.id)
        let attempts = failures.map(\.lease.attempt)
        let retryable = failures.map(\.retryable)
        let delays = failures.map(\.delay.milliseconds)
        let errors = failures.map(\.error)
        /// Guarded by each attempt (its rows locked in id order, as completions lock them); appends the error to the job's
        /// history.
        let rows = try await client.query(
            """
            UPDATE job_queue AS q
            SET status = CASE WHEN f.retry THEN 'pending' ELSE 'failed' END,
                run_at = CASE WHEN f.retry THEN now() + f.delay * interval '1 millisecond' ELSE q.run_at END,
                completed_at = CASE WHEN f.retry THEN NULL ELSE now() END,
                error_message = f.error,
                errors = q.errors || jsonb_build_object(
                    'attempt', q.attempt_number, 'error', f.error, 'at', now(), 'worker', q.locked_by,
                    'retry_in_ms', CASE WHEN f.retry THEN f.delay END
                ),
                locked_by = NULL,
                locked_until = NULL
            FROM (
                SELECT j.id, c.retryable AND j.attempt_number < j.max_attempts AS retry, c.delay, c.error
                FROM (
                    SELECT * FROM unnest(\(ids)::uuid[], \(attempts)::int[], \(retryable)::bool[], \(delays)::float8[], \(errors)::text[])
                        AS c(id, attempt, retryable, delay, error)
                    ORDER BY id
                ) AS c
                CROSS JOIN LATERAL (SELECT id, status, attempt_number, max_attempts FROM job_queue WHERE id = c.id LIMIT 1 FOR UPDATE) AS j
                WHERE j.status = 'processing' AND j.attempt_number = c.attempt
            ) AS f
            WHERE q.id = f.id
            RETURNING q.id, q.attempt_number, q.status, q.run_at
            """,
            logger: logger
        )
        var outcomes: [JobLease: FailureOutcome] = [:]
        for try await (id, attempt, status, runAt) in rows.decode((UUID, Int, String, Date).self) {
            outcomes[JobLease(id: id, attempt: attempt)] = status == "pending" ? .retrying(at: runAt) : .deadLettered
        }
        return outcomes
    }

    /// Puts `leases` back to pending without spending an attempt (graceful shutdown: another worker takes them at once).
    /// Snoozes attempt `lease`: its job waits until `delay` has passed and is then delivered again, without spending an
    /// attempt (the work goes on elsewhere, such as a prediction running at Replicate). Returns whether it still held
    /// the job.
    @discardableResult
    package func snooze(_ lease: JobLease, for delay: Duration) async throws -> Bool {
        try await snooze([(lease, delay)]).contains(lease)
    }

    /// Snoozes many attempts in one statement (see ``BatchCompleter``); returns the ones that still held their jobs.
    package func snooze(_ snoozes: [(lease: JobLease, delay: Duration)]) async throws -> Set<JobLease> {
        guard !snoozes.isEmpty else { return [] }
        let ids = snoozes.map(\.lease.id)
        let attempts = snoozes.map(\.lease.attempt)
        let delays = snoozes.map(\.delay.milliseconds)
        /// Back to pending for later, one attempt added so the next delivery's new number costs none.
        let rows = try await client.query(
            """
            UPDATE job_queue AS q
            SET status = 'pending', run_at = now() + (\(delays)::float8[])[array_position(\(ids)::uuid[], q.id)] * interval '1 millisecond',
                max_attempts = q.max_attempts + 1, locked_by = NULL, locked_until = NULL
            WHERE q.id = ANY (ARRAY(
                SELECT j.id
                FROM (SELECT * FROM unnest(\(ids)::uuid[], \(attempts)::int[]) AS s(id, attempt) ORDER BY id) AS s
                CROSS JOIN LATERAL (SELECT id, status, attempt_number FROM job_queue WHERE id = s.id LIMIT 1 FOR UPDATE) AS j
                WHERE j.status = 'processing' AND j.attempt_number = s.attempt
            ))
            RETURNING q.id, q.attempt_number
            """,
            logger: logger
        )
        var snoozed = Set<JobLease>()
        for try await (id, attempt) in rows.decode((UUID, Int).self) { snoozed.insert(JobLease(id: id, attempt: attempt)) }
        return snoozed
    }

    /// The attempt number stays: every delivery of a job has its own, so a handler still running from this one can tell
    /// it was superseded; the job gets one more attempt instead.
    package func release(_ leases: [JobLease]) async throws {
        guard !leases.isEmpty else { return }
        let ids = leases.map(\.id)
        let attempts = leases.map(\.attempt)
        /// Undo the claim of attempts that still hold their jobs.
        try await client.query(
            """
            UPDATE job_queue AS q
            SET status = 'pending', max_attempts = q.max_attempts + 1, run_at = now(), locked_by = NULL, locked_until = NULL
            WHERE q.id = ANY (ARRAY(
                SELECT j.id
                FROM (SELECT * FROM unnest(\(ids)::uuid[], \(attempts)::int[]) AS r(id, attempt) ORDER BY id) AS r
                CROSS JOIN LATERAL (SELECT id, status, attempt_number FROM job_queue WHERE id = r.id LIMIT 1 FOR UPDATE) AS j
                WHERE j.status = 'processing' AND j.attempt_number = r.attempt
            ))
            """,
            logger: logger
        )
    }
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
            CROSS JOIN LATERAL (SELECT id, status, attempt_number FROM job_queue WHERE id = c.id LIMIT 1 FOR UPDATE) AS j
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
