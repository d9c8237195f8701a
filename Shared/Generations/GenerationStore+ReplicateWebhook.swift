import Catalog
import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO
import PublicAPI
import ReplicateAPI

/// A prediction update Replicate posted to the gateway (its webhook), already verified.
package struct PredictionUpdate: Sendable {
    /// `webhook-id`: one delivery, whatever Replicate retries.
    package var webhookID: String
    package var prediction: Prediction

    package init(webhookID: String, prediction: Prediction) {
        self.webhookID = webhookID
        self.prediction = prediction
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
    /// Applies a verified webhook through the same decision a poll makes (``PredictionOutcome``): progress while it
    /// runs (`applyProgress`); an end in ONE transaction, applied once per `webhook-id`: the hand-over to downloading
    /// (only from processing, so a racing poll and this cannot both hand over) or the failure, and either way the parked
    /// `generate-image` job, with nothing left to do, is cancelled.
    /// A success it settles is a run time learned for its model, recorded in `timings` (written with the next batch).
    package func apply(_ update: PredictionUpdate, timings: ModelTimingStore? = nil) async throws -> WebhookResult {
        let prediction = update.prediction
        if !prediction.status.isTerminal {
            if let progress = prediction.progressPercent { try await applyProgress([prediction.id: progress]) }
            return .applied
        }
        return try await client.withNotifyingTransaction(logger: logger) { connection in
            /// The generation that recorded this prediction.
            var target: (id: UUID, modelID: String, width: Int, height: Int, price: Double?)?
            for try await row in try await connection.query(
                """
                SELECT id, model_id, width, height, price_usd::float8 FROM image_generations WHERE replicate_prediction_id = \(prediction.id)
                """,
                logger: logger
            ).decode((UUID, String, Int, Int, Double?).self) { target = row }
            // Not recorded yet (the webhook outran the create's answer): not remembered, so Replicate's retry can apply it.
            guard let (id, modelID, width, height, price) = target else { return .unknownPrediction }
            /// Remember the delivery; a second one with the same id changes nothing.
            var fresh = false
            for try await _ in try await connection.query(
                """
                INSERT INTO replicate_webhooks (webhook_id) VALUES (\(update.webhookID)) ON CONFLICT DO NOTHING RETURNING webhook_id
                """,
                logger: logger
            ) { fresh = true }
            guard fresh else { return .replayed }
            let outcome = PredictionOutcome(prediction, model: ModelCatalog.model(modelID)?.priced(price), width: width, height: height)
            let settled = try await Self.settle(id, model: modelID, predictionID: prediction.id, outcome, lease: nil, on: connection, logger: logger)
            try await JobQueue.cancelPending(dedupeKeys: [GenerateImage.dedupeKey(id)], on: connection, logger: logger)
            if settled, case .succeeded(_, let predictTime?, _) = outcome { timings?.recordRun(modelID, seconds: predictTime) }
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
}
