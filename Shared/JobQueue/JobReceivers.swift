import Logging
import PostgresNIO

/// Jobs bound for one receiver (`payload.receiver`, e.g. a webhook's origin) and jobs that belong to one record
/// (`payload.<field>`): what an owner may ask of the queue about its jobs without writing to `job_queue` itself.
extension JobQueue {
    /// Brings the next job of `type` bound for `receiver` that waits for later forward to now (one of the receiver's slots
    /// freed), and wakes the dispatchers; false when none waits.
    package func wakeNext(type: String, receiver: String) async throws -> Bool {
        let rows = try await client.query(
            """
            WITH woken AS (
                UPDATE job_queue SET run_at = now()
                WHERE id = (
                    SELECT id FROM job_queue
                    WHERE job_type = \(type) AND status = 'pending' AND payload->>'receiver' = \(receiver) AND run_at > now()
                    ORDER BY fair_rank, run_at LIMIT 1
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id
            )
            SELECT pg_notify('imagegen_jobs', \(type)) FROM woken
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Cancels the pending jobs of `type` whose payload's `field` is `value` (in the caller's transaction).
    package static func cancelPending(type: String, payload field: String, equals value: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            UPDATE job_queue SET status = 'cancelled', completed_at = now()
            WHERE job_type = \(type) AND status = 'pending' AND payload->>\(field) = \(value)
            """,
            logger: logger
        )
    }
}
