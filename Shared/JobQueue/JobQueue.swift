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
/// primary key (each look-up `LIMIT 1`, so that PostgreSQL cannot push the state check into it: a state checked inside
/// would make a partial index of that state, such as `job_queue_leases`, look cheaper whenever the statistics saw it
/// empty, and each look-up would then read every row in flight), runnable ones through
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
}
