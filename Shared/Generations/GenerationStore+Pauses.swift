import Foundation
import JobQueue
import PostgresNIO

/// Models an operator paused (``JobQueue/pause(_:_:reason:)``): their generations wait to start.
extension GenerationStore {
    /// Brings forward the jobs of `model`'s generations waiting to start (after its pause ended); returns how many.
    @discardableResult
    package func wakeWaiting(model: String) async throws -> Int {
        try await client.withConnection { connection in
            var keys: [String] = []
            for try await id in try await connection.query(
                "SELECT id FROM image_generations WHERE model_id = \(model) AND status IN ('pending', 'queued')", logger: logger
            ).decode(UUID.self) { keys.append(GenerateImage.dedupeKey(id)) }
            if !keys.isEmpty { try await JobQueue.runPendingNow(dedupeKeys: keys, on: connection, logger: logger) }
            return keys.count
        }
    }
}
