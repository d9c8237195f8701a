import Catalog
import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO

/// A prediction update Replicate posted to the gateway (its webhook), already verified.
package struct PredictionUpdate: Sendable {
    /// `webhook-id`: one delivery, whatever Replicate retries.
    package var webhookID: String
    package var predictionID: String
    /// Replicate's status: `starting`, `processing`, `succeeded`, `failed`, `canceled` or `aborted`.
    package var status: String
    package var progress: Int?
    package var outputs: [String]
    package var predictTime: Double?
    package var error: String?

    /// Whether Replicate is done with the prediction (a progress update otherwise).
    package var isTerminal: Bool { ["succeeded", "failed", "canceled", "aborted"].contains(status) }

    package init(
        webhookID: String, predictionID: String, status: String, progress: Int?, outputs: [String], predictTime: Double?, error: String?
    ) {
        self.webhookID = webhookID
        self.predictionID = predictionID
        self.status = status
        self.progress = progress
        self.outputs = outputs
        self.predictTime = predictTime
        self.error = error
    }
}

/// What became of a webhook.
package enum WebhookResult: Sendable, Equatable {
    case applied
    /// Its `webhook-id` was applied before.
    case replayed
    /// No generation recorded this prediction (yet, or it was never ours).
    case unknownPrediction
}

extension GenerationStore {
    /// Applies a verified webhook through the same transitions a poll makes: progress while it runs (`applyProgress`); a
    /// terminal update in ONE transaction, applied once per `webhook-id`: on success the hand-over to
    /// downloading (only from processing, so a racing poll and this cannot both hand over), on failure the generation
    /// fails, and either way the parked `generate-image` job, with nothing left to do, is cancelled.
    package func apply(_ update: PredictionUpdate) async throws -> WebhookResult {
        if !update.isTerminal {
            if let progress = update.progress { try await applyProgress([update.predictionID: progress]) }
            return .applied
        }
        return try await client.withNotifyingTransaction(logger: logger) { connection in
            /// The generation that recorded this prediction.
            var target: (id: UUID, modelID: String, width: Int, height: Int)?
            for try await row in try await connection.query(
                "SELECT id, model_id, width, height FROM image_generations WHERE replicate_prediction_id = \(update.predictionID)", logger: logger
            ).decode((UUID, String, Int, Int).self) { target = row }
            // Not recorded yet (the webhook outran the create's answer): not remembered, so Replicate's retry can apply it.
            guard let (id, modelID, width, height) = target else { return .unknownPrediction }
            /// Remember the delivery; a second one with the same id changes nothing.
            var fresh = false
            for try await _ in try await connection.query(
                """
                INSERT INTO replicate_webhooks (webhook_id) VALUES (\(update.webhookID)) ON CONFLICT DO NOTHING RETURNING webhook_id
                """,
                logger: logger
            ) { fresh = true }
            guard fresh else { return .replayed }

            switch update.status {
            case "succeeded" where !update.outputs.isEmpty:
                let cost = ModelCatalog.model(modelID)?.cost(
                    outputs: update.outputs.count, predictTime: update.predictTime, width: width, height: height
                )
                _ = try await Self.handOver(
                    id, model: modelID, predictionID: update.predictionID, outputs: update.outputs, predictTime: update.predictTime, cost: cost, lease: nil,
                    on: connection, logger: logger
                )
            case "succeeded":
                try await Self.fail(id, .noOutput, on: connection, logger: logger)
            case "failed":
                try await Self.fail(id, .modelFailed(update.error), on: connection, logger: logger)
            case "canceled", "aborted":
                try await Self.fail(id, .cancelledUpstream, on: connection, logger: logger)
            default:
                return .applied
            }
            // Ended without outputs, a per-second model is still billed for the time it ran.
            if update.status != "succeeded",
                let cost = ModelCatalog.model(modelID)?.cost(outputs: 0, predictTime: update.predictTime, width: width, height: height), cost > 0
            {
                try await connection.query("UPDATE image_generations SET cost = \(cost) WHERE id = \(id) AND cost IS NULL", logger: logger)
            }
            try await JobQueue.cancelPending(dedupeKeys: [GenerateImage.dedupeKey(id)], on: connection, logger: logger)
            return .applied
        }
    }

    /// Progress of running predictions (prediction id → percent), for all of them in one statement: it is idempotent
    /// (progress only moves forward, only while processing), so it needs neither a transaction nor a replay record.
    package func applyProgress(_ progress: [String: Int]) async throws {
        let predictions = Array(progress.keys)
        let percents = predictions.map { min(progress[$0]!, 99) }
        try await client.withPublishedNotifications(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE image_generations g SET progress = u.progress
                FROM unnest(\(predictions)::text[], \(percents)::int[]) AS u(prediction_id, progress)
                WHERE g.replicate_prediction_id = u.prediction_id AND g.status = '\(unescaped: GenerationStatus.processing.rawValue)'
                  AND g.progress < u.progress
                """,
                logger: logger
            )
        }
    }

    /// Fails a non-terminal generation on `connection`.
    private static func fail(_ id: UUID, _ failure: GenerationFailure, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE image_generations
            SET \(unescaped: GenerationTransition.fail.setSQL), error_code = \(failure.code), error_message = \(failure.message),
                completed_at = now()
            WHERE id = \(id) AND \(unescaped: GenerationTransition.fail.guardSQL)
            """,
            logger: logger
        )
    }
}
