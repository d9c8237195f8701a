import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO
import PublicAPI

/// The dispatcher's safety net: no generation stays unfinished without a job that will move it on.
extension GenerationStore {
    /// Gives its job back to every unfinished generation that no live job will move on (its job ended while it did not:
    /// a handler whose delivery was superseded finished it, or a row was changed by hand), and fails the ones older than
    /// `deadline` instead, with a reason a user can read. Looks only at generations unchanged for `grace`, so work in
    /// flight is left alone, and at most `limit` of each kind per call. Returns how many were requeued and failed.
    @discardableResult
    package func sweepOrphans(grace: Duration, deadline: Duration, limit: Int = 500) async throws -> (requeued: Int, failed: Int) {
        let unfinished = GenerationTransition.fail.from.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let noLiveJob =
            "NOT \(JobQueue.liveJobSQL(dedupeKey: GenerateImage.dedupeKeySQL("g.id")))"
            + " AND NOT \(JobQueue.liveJobSQL(dedupeKey: DownloadImage.dedupeKeySQL("g.id")))"
        let quiet = "g.updated_at < now() - \(grace.milliseconds) * interval '1 millisecond'"
        /// Past their deadline: failed.
        let expire = """
            UPDATE image_generations
            SET \(GenerationTransition.fail.setSQL), error_code = '\(GenerationFailure.deadlinePassed.code)',
                error_message = '\(GenerationFailure.deadlinePassed.message)', completed_at = now(), \(Self.costPendingSQL)
            WHERE id IN (
                SELECT g.id FROM image_generations AS g
                WHERE g.status IN (\(unfinished)) AND \(quiet) AND \(noLiveJob)
                  AND g.created_at < now() - \(deadline.milliseconds) * interval '1 millisecond'
                LIMIT \(limit) FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """
        /// Within their deadline: the job their status needs, again.
        func requeue(_ statuses: [GenerationStatus], job: String, dedupeKey: String, priority: String) -> String {
            """
            WITH orphans AS (
                SELECT g.id, g.user_id, g.priority, g.trace_context FROM image_generations AS g
                WHERE g.status IN (\(statuses.map { "'\($0.rawValue)'" }.joined(separator: ", "))) AND \(quiet) AND \(noLiveJob)
                LIMIT \(limit) FOR UPDATE SKIP LOCKED
            )
            \(JobQueue.insertSQL(
                type: "'\(job)'", payload: GenerationJobPayload.sql(generationID: "id", userID: "user_id"), priority: priority,
                dedupeKey: dedupeKey, traceContext: "trace_context", from: "orphans"
            ))
            """
        }
        let statements = [
            requeue([.pending, .queued, .processing], job: GenerateImage.name, dedupeKey: GenerateImage.dedupeKeySQL("id"), priority: "priority"),
            requeue([.downloading], job: DownloadImage.name, dedupeKey: DownloadImage.dedupeKeySQL("id"), priority: "priority + 1"),
        ]
        return try await client.withNotifyingTransaction(logger: logger) { connection in
            var failed = 0
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: expire), logger: logger) { failed += 1 }
            var requeued = 0
            for statement in statements {
                for try await _ in try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) { requeued += 1 }
            }
            if requeued + failed > 0 {
                logger.warning("Swept generations that had no live job", metadata: ["requeued": "\(requeued)", "failed": "\(failed)"])
            }
            return (requeued, failed)
        }
    }
}

extension GenerationStore {
    /// Fails up to `limit` generations whose request's deadline passed while they waited to start (no Replicate call was
    /// made for them), and cancels their pending `generate-image` jobs, in one transaction; returns how many.
    package func expireDeadlines(limit: Int = 500) async throws -> Int {
        try await client.withNotifyingTransaction(logger: logger) { connection in
            let waiting = GenerationTransition.fail.from.filter { $0 == .pending || $0 == .queued }.map { "'\($0.rawValue)'" }
            var expired: [UUID] = []
            for try await id in try await connection.query(
                """
                UPDATE image_generations
                SET \(unescaped: GenerationTransition.fail.setSQL), error_code = \(GenerationFailure.deadlineReached.code),
                    error_message = \(GenerationFailure.deadlineReached.message), completed_at = now()
                WHERE id IN (
                    SELECT id FROM image_generations
                    WHERE deadline_at < now() AND status IN (\(unescaped: waiting.joined(separator: ", ")))
                      AND replicate_prediction_id IS NULL AND create_started_at IS NULL
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                )
                RETURNING id
                """,
                logger: logger
            ).decode(UUID.self) { expired.append(id) }
            if !expired.isEmpty {
                try await JobQueue.cancelPending(dedupeKeys: expired.map(GenerateImage.dedupeKey), on: connection, logger: logger)
            }
            return expired.count
        }
    }
}
