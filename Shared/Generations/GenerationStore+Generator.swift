import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO

/// The generator's reads and writes of a generation, each write guarded by the transition it makes.
extension GenerationStore {
    /// Marks the generation processing before any money is spent and returns it; nil when it is missing or no longer
    /// runnable (downloading, finished, cancelled).
    package func start(_ id: UUID) async throws -> Generation? {
        try await client.withPublishedNotifications(logger: logger) { connection in
            for try await generation in try await connection.execute(StartProcessing(id: id), logger: logger) { return generation }
            return nil
        }
    }

    /// Records the prediction id at once; false if another id is already recorded or the generation stopped running.
    package func recordPrediction(_ id: UUID, predictionID: String) async throws -> Bool {
        for try await _ in try await client.execute(RecordPrediction(id: id, predictionID: predictionID), logger: logger) { return true }
        return false
    }

    /// Whether some generation has recorded `predictionID` as its own.
    package func isRecorded(predictionID: String) async throws -> Bool {
        let rows = try await client.query(
            "SELECT 1 FROM image_generations WHERE replicate_prediction_id = \(predictionID) LIMIT 1", logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Raises progress (never lowers it) while processing.
    package func updateProgress(_ id: UUID, to progress: Int) async throws {
        try await client.withPublishedNotifications(logger: logger) { connection in
            /// Progress only moves forward; the trigger announces it.
            _ = try await connection.query(
                """
                UPDATE image_generations SET progress = \(progress)
                WHERE id = \(id) AND status = '\(unescaped: GenerationStatus.processing.rawValue)' AND progress < \(progress)
                """,
                logger: logger
            )
        }
    }

    /// ONE statement: prediction id (unless one is recorded) and outputs recorded, status `downloading`, `download-image`
    /// enqueued (skipped while a live one exists). False if it was not processing.
    package func handOver(
        _ generation: Generation, predictionID: String, outputs: [String], predictTime: Double?, cost: Double?
    ) async throws -> Bool {
        let outputJSON = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
        let handOver = HandOver(id: generation.id, outputs: outputJSON, predictTime: predictTime, cost: cost, predictionID: predictionID)
        return try await client.withPublishedNotifications(logger: logger) { connection in
            for try await handed in try await connection.execute(handOver, logger: logger) { return handed == 1 }
            return false
        }
    }

    /// The generation's current status.
    package func status(of id: UUID) async throws -> GenerationStatus? {
        /// Cheap check for cancellation while polling.
        let rows = try await client.query("SELECT status FROM image_generations WHERE id = \(id)", logger: logger)
        for try await status in rows.decode(String.self) { return GenerationStatus(rawValue: status) }
        return nil
    }
}

/// Only a queued or already-processing generation may run (prepared: once per job).
private struct StartProcessing: PostgresPreparedStatement {
    static let sql = """
        UPDATE image_generations SET \(GenerationTransition.start.setSQL), error_message = NULL
        WHERE id = $1 AND \(GenerationTransition.start.guardSQL)
        RETURNING \(Generation.columns)
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid]
    var id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        try bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Generation { try Generation(row: row) }
}

/// First writer wins: a retry finds the id and resumes instead of paying again (prepared: once per prediction).
private struct RecordPrediction: PostgresPreparedStatement {
    static let sql = """
        UPDATE image_generations SET replicate_prediction_id = $2
        WHERE id = $1 AND status = '\(GenerationStatus.processing.rawValue)' AND replicate_prediction_id IS NULL
        RETURNING id
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .text]
    var id: UUID, predictionID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(id)
        try bindings.append(predictionID)
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
            RETURNING id, user_id, priority
        ), job AS (
            \(JobQueue.insertSQL(
                type: "'\(DownloadImage.name)'", payload: GenerationJobPayload.sql(generationID: "id", userID: "user_id"),
                priority: "priority + 1", dedupeKey: DownloadImage.dedupeKeySQL("id"), from: "handed"
            ))
        )
        SELECT count(*)::int8 FROM handed
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .float8, .float8, .text]
    var id: UUID, outputs: String, predictTime: Double?, cost: Double?, predictionID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        try bindings.append(id)
        try bindings.append(outputs)
        try bindings.append(predictTime)
        try bindings.append(cost)
        try bindings.append(predictionID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}
