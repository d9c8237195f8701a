import Foundation
import JobContract
import JobQueue
import WireFormat

/// `deliver-webhook`, owned by the notifier: post one event of a generation to the webhook its request named.
package enum DeliverWebhook: JobKind {
    package static let name = "deliver-webhook"
    /// Deliveries are retried with backoff for about 17 hours (see the notifier's `DeliverWebhook.backoff`) before
    /// dead-lettering.
    package static let maxAttempts = 22

    package struct Payload: Sendable, Codable, Equatable {
        /// What the event is of: a generation, or a batch (`batch.completed`); neither for the user's account events.
        package var generationId: UUID?
        package var batchId: UUID?
        package var userId: UUID
        /// `start`, `progress` or `completed` (a generation's), `batch.completed`, or `budget.threshold`.
        package var event: String
        /// A `budget.threshold` event's month (`YYYY-MM`) and threshold (percent of the budget).
        package var month: String?
        package var threshold: Int?
        /// `scheme://host[:port]` of the webhook, as the trigger cut it from the URL (ranks and wakes its deliveries).
        package var receiver: String?

        package init(
            generationId: UUID? = nil, batchId: UUID? = nil, userId: UUID, event: String, month: String? = nil, threshold: Int? = nil,
            receiver: String?
        ) {
            self.generationId = generationId
            self.batchId = batchId
            self.month = month
            self.threshold = threshold
            self.userId = userId
            self.event = event
            self.receiver = receiver
        }
    }
}
