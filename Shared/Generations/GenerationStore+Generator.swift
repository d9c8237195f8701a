import Database
import Foundation
import JobQueue
import Logging
import Metrics
import PostgresNIO
import PublicAPI
import ServiceKit
import WireFormat

/// The generator's reads and writes of a generation. Each write is guarded by the transition it makes and by the lease
/// of the `generate-image` delivery that made it run (job id and attempt: a fencing token, since every delivery of a job
/// has its own attempt number and a job given back by the sweeper is a new one), so a handler whose delivery was
/// superseded (its lease lost, released at shutdown, or its job replaced) can no longer act.
extension GenerationStore {
    /// Marks the generation processing for `lease` before any money is spent, noting when the first create may have
    /// started, and returns it; nil when it is missing, no longer runnable (downloading, finished, cancelled), or a
    /// later attempt of the same job already took it.
    package func start(_ id: UUID, lease: JobLease) async throws -> Generation? {
        try await client.withPublishedNotifications(logger: logger) { connection in
            for try await generation in try await connection.run(StartProcessing(id: id, lease: lease), logger: logger) {
                return generation
            }
            return nil
        }
    }

    /// Records the prediction id at once; false if another id is already recorded, the generation stopped running,
    /// another delivery took it, or an earlier delivery gave this prediction up (``disown(_:predictionID:)``).
    package func recordPrediction(_ id: UUID, predictionID: String, lease: JobLease) async throws -> Bool {
        let statement = RecordPrediction(id: id, predictionID: predictionID, lease: lease)
        for try await _ in try await client.run(statement, logger: logger) { return true }
        return false
    }

    /// Gives up `predictionID`, created by a delivery that no longer holds the generation, so that no later delivery
    /// adopts it: true when it may be cancelled (no delivery follows it, or the generation is gone), false when the
    /// generation already records it (a later delivery adopted it: leave it running). An update of the generation's row
    /// like ``recordPrediction(_:predictionID:lease:)``, so of the two racing for one prediction the second sees the first.
    package func disown(_ id: UUID, predictionID: String) async throws -> Bool {
        let rows = try await client.query(
            """
            WITH disowned AS (
                UPDATE image_generations SET disowned_predictions = disowned_predictions || \(predictionID)::text
                WHERE id = \(id) AND replicate_prediction_id IS DISTINCT FROM \(predictionID)
                RETURNING id
            )
            SELECT EXISTS (SELECT 1 FROM disowned) OR NOT EXISTS (SELECT 1 FROM image_generations WHERE id = \(id))
            """,
            logger: logger
        )
        for try await disowned in rows.decode(Bool.self) { return disowned }
        return true
    }

    /// Whether `predictionID` is not free to adopt for `generation`: some generation records it as its own, or an earlier
    /// delivery of `generation` gave it up.
    package func isTaken(predictionID: String, for generation: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT 1 FROM image_generations
            WHERE replicate_prediction_id = \(predictionID) OR (id = \(generation) AND \(predictionID) = ANY (disowned_predictions))
            LIMIT 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Raises progress (never lowers it) while processing for `lease`.
    package func updateProgress(_ id: UUID, to progress: Int, lease: JobLease) async throws {
        try await client.withPublishedNotifications(logger: logger) { connection in
            /// Progress only moves forward; the trigger announces it.
            _ = try await connection.query(
                """
                UPDATE image_generations SET progress = \(progress)
                WHERE id = \(id) AND status = '\(unescaped: GenerationStatus.processing.rawValue)' AND progress < \(progress)
                  AND job_id = \(lease.id) AND job_attempt = \(lease.attempt)
                """,
                logger: logger
            )
        }
    }

    /// ONE statement: prediction id (unless one is recorded) and outputs recorded, status `downloading`, `download-image`
    /// enqueued (skipped while a live one exists). False if it was not processing for `lease`.
    package func handOver(
        _ generation: Generation, predictionID: String, outputs: [String], predictTime: Double?, cost: Double?, lease: JobLease
    ) async throws -> Bool {
        try await client.withPublishedNotifications(logger: logger) { connection in
            try await Self.handOver(
                generation.id, model: generation.modelId, predictionID: predictionID, outputs: outputs, predictTime: predictTime, cost: cost,
                lease: lease, on: connection, logger: logger
            )
        }
    }

    /// The hand-over on `connection` (inside the caller's transaction when it has one); `lease` nil for a webhook.
    /// Counts the cost in `imagegen_spend_usd_total{model}`.
    static func handOver(
        _ id: UUID, model: String, predictionID: String, outputs: [String], predictTime: Double?, cost: Double?, lease: JobLease?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let outputJSON = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        let statement = HandOver(id: id, outputs: outputJSON, predictTime: predictTime, cost: cost, predictionID: predictionID, lease: lease)
        for try await handed in try await connection.run(statement, logger: logger) where handed == 1 {
            if let cost { FloatingPointCounter(label: MetricName.spendUsdTotal, dimensions: [("model", model)]).increment(by: cost) }
            return true
        }
        return false
    }

    /// Fails the generation for `lease` (only while that delivery holds it). `predictionRunning`: its recorded prediction
    /// is still running (to be cancelled next), so its cost is pending and its budget reservation stays until it is known.
    @discardableResult
    package func fail(_ id: UUID, _ failure: GenerationFailure, predictionRunning: Bool = false, lease: JobLease) async throws -> Bool {
        try await client.withPublishedNotifications(logger: logger) {
            try await Self.fail(id, failure, predictionRunning: predictionRunning, lease: lease, on: $0, logger: logger)
        }
    }

    /// Applies what a prediction's end means for generation `generation` (see ``PredictionOutcome``; `running` changes
    /// nothing) for `lease`, or for Replicate's webhook (`lease` nil); returns whether the generation changed.
    package func settle(_ generation: Generation, predictionID: String, _ outcome: PredictionOutcome, lease: JobLease) async throws -> Bool {
        try await client.withPublishedNotifications(logger: logger) { connection in
            try await Self.settle(
                generation.id, model: generation.modelId, predictionID: predictionID, outcome, lease: lease, on: connection, logger: logger)
        }
    }

    /// ``settle(_:predictionID:_:lease:)`` on `connection` (inside the caller's transaction when it has one).
    static func settle(
        _ id: UUID, model: String, predictionID: String, _ outcome: PredictionOutcome, lease: JobLease?, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        switch outcome {
        case .running:
            return false
        case .succeeded(let outputs, let predictTime, let cost):
            if try await handOver(
                id, model: model, predictionID: predictionID, outputs: outputs, predictTime: predictTime, cost: cost, lease: lease, on: connection,
                logger: logger
            ) {
                return true
            }
        case .failed(let failure, let billed):
            if try await fail(id, failure, billed: billed, lease: lease, on: connection, logger: logger) {
                // A safety refusal, counted per model whichever path settled it (the generator's poll, Replicate's webhook).
                if failure.code == GenerationFailure.contentFiltered(nil).code {
                    Counter(label: MetricName.contentFilteredTotal, dimensions: [("model", model)]).increment()
                }
                return true
            }
        }
        // Already finished (cancelled, timed out or its job dead-lettered while it ran): what it made or ran is billed
        // all the same.
        try await recordFinalCost(id, cost: outcome.billed, on: connection, logger: logger)
        return false
    }

    /// THE statement that fails a generation: only from a status the transition leaves and, for a job's delivery, only
    /// while `lease` holds it; `billed` is what Replicate charges for a prediction that ended without outputs, counted in
    /// spend with the status change; `predictionRunning` keeps the reservation until that cost is known
    /// (``costPendingSQL``). Returns whether it changed.
    static func fail(
        _ id: UUID, _ failure: GenerationFailure, billed: Double? = nil, predictionRunning: Bool = false, lease: JobLease?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE image_generations
            SET \(unescaped: GenerationTransition.fail.setSQL), error_code = \(failure.code), error_message = \(failure.message),
                completed_at = now(), cost = COALESCE(cost, \(billed))\(unescaped: predictionRunning ? ", " + costPendingSQL : "")
            WHERE id = \(id) AND \(unescaped: GenerationTransition.fail.guardSQL)
              AND (\(lease?.id)::uuid IS NULL OR (job_id = \(lease?.id) AND job_attempt = \(lease?.attempt)))
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// SET clause for a generation ending now whose recorded prediction may still run at Replicate: its cost is pending
    /// (unless already recorded), and its budget reservation stays until ``recordFinalCost(_:cost:)`` or the
    /// dispatcher's ``releaseCostHolds(olderThan:)``.
    static let costPendingSQL = """
        cost_pending_since = CASE WHEN status IN ('pending', 'queued', 'processing') AND replicate_prediction_id IS NOT NULL AND cost IS NULL
                                  THEN now() END
        """

    /// Records Replicate's final figure for a finished generation's prediction (cancelled, failed, timed out, or
    /// finished after its generation did): `cost` when it bills one (the first figure is kept), and either way the end of
    /// the wait, which releases the budget reservation it kept. The spend triggers count both in its user's month.
    @discardableResult
    package func recordFinalCost(_ id: UUID, cost: Double?) async throws -> Bool {
        try await client.withConnection { try await Self.recordFinalCost(id, cost: cost, on: $0, logger: logger) }
    }

    @discardableResult
    static func recordFinalCost(_ id: UUID, cost: Double?, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE image_generations SET cost = COALESCE(cost, \(cost)), cost_pending_since = NULL
            WHERE id = \(id) AND status IN ('\(unescaped: GenerationStatus.failed.rawValue)', '\(unescaped: GenerationStatus.cancelled.rawValue)')
              AND (cost_pending_since IS NOT NULL OR (cost IS NULL AND \(cost)::numeric IS NOT NULL))
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Ends the wait of generations whose prediction's cost has been pending longer than `age` (its cancel and every
    /// check since went unanswered), releasing the reservations they kept; returns how many.
    package func releaseCostHolds(olderThan age: Duration) async throws -> Int {
        let rows = try await client.query(
            """
            UPDATE image_generations SET cost_pending_since = NULL
            WHERE cost_pending_since < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
            RETURNING id
            """,
            logger: logger
        )
        var released = 0
        for try await _ in rows { released += 1 }
        return released
    }

    /// The generation's current status and the delivery that holds it (cheap, while polling).
    package func holder(of id: UUID) async throws -> (status: GenerationStatus, lease: JobLease?)? {
        let rows = try await client.query("SELECT status, job_id, job_attempt FROM image_generations WHERE id = \(id)", logger: logger)
        for try await (status, job, attempt) in rows.decode((String, UUID?, Int?).self) {
            return (GenerationStatus(rawValue: status) ?? .failed, job.flatMap { job in attempt.map { JobLease(id: job, attempt: $0) } })
        }
        return nil
    }
}

/// Only a queued or already-processing generation may run (prepared: once per job).
private struct StartProcessing: PostgresPreparedStatement {
    static let sql = """
        UPDATE image_generations
        SET \(GenerationTransition.start.setSQL), error_code = NULL, error_message = NULL, job_id = $3, job_attempt = $2,
            create_started_at = COALESCE(create_started_at, CASE WHEN replicate_prediction_id IS NULL THEN now() END)
        WHERE id = $1 AND \(GenerationTransition.start.guardSQL) AND (job_id IS DISTINCT FROM $3 OR job_attempt <= $2)
        RETURNING \(Generation.columns)
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .int8, .uuid]
    var id: UUID, lease: JobLease

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        try bindings.append(id)
        try bindings.append(lease.attempt)
        try bindings.append(lease.id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Generation { try Generation(row: row) }
}

/// First writer wins: a retry finds the id and resumes instead of paying again (prepared: once per prediction).
private struct RecordPrediction: PostgresPreparedStatement {
    static let sql = """
        UPDATE image_generations SET replicate_prediction_id = $2
        WHERE id = $1 AND status = '\(GenerationStatus.processing.rawValue)' AND replicate_prediction_id IS NULL
          AND job_id = $4 AND job_attempt = $3 AND $2 <> ALL (disowned_predictions)
        RETURNING id
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .int8, .uuid]
    var id: UUID, predictionID: String, lease: JobLease

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        try bindings.append(id)
        try bindings.append(predictionID)
        try bindings.append(lease.attempt)
        try bindings.append(lease.id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID { try row.decode(UUID.self) }
}

/// Hand over to the downloader only from processing, its job claimed ahead of new generations' (prepared: once per
/// generation).
private struct HandOver: PostgresPreparedStatement {
    static let sql = """
        WITH handed AS (
            UPDATE image_generations
            SET \(GenerationTransition.handOver.setSQL), progress = 100, output_urls = $2::jsonb, predict_time = $3, cost = $4,
                replicate_prediction_id = COALESCE(replicate_prediction_id, $5)
            WHERE id = $1 AND \(GenerationTransition.handOver.guardSQL)
              AND ($7::uuid IS NULL OR (job_attempt = $6 AND job_id = $7))
            RETURNING id, user_id, priority, trace_context
        ), job AS (
            \(JobQueue.insertSQL(
                type: "'\(DownloadImage.name)'", payload: GenerationJobPayload.sql(generationID: "id", userID: "user_id"),
                priority: "priority + 1", dedupeKey: DownloadImage.dedupeKeySQL("id"), traceContext: "COALESCE($8, trace_context)",
                from: "handed"
            ))
        )
        SELECT count(*)::int8 FROM handed
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .float8, .float8, .text, .int8, .uuid, .text]
    /// nil: a Replicate webhook, which holds no lease (the status guard alone keeps it to one hand-over).
    var id: UUID, outputs: String, predictTime: Double?, cost: Double?, predictionID: String, lease: JobLease?
    /// The span handing over (the generator's), which the download continues; else (a Replicate webhook, outside the
    /// generation's trace) the generation's own.
    var traceContext = TraceContext.current()

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        try bindings.append(id)
        try bindings.append(outputs)
        try bindings.append(predictTime)
        try bindings.append(cost)
        try bindings.append(predictionID)
        try bindings.append(lease?.attempt)
        try bindings.append(lease?.id)
        try bindings.append(traceContext)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}
