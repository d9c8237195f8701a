import Foundation

/// The subject of a `budget.threshold` webhook: a user's spend this month reached `thresholdPercent` of their monthly
/// budget. Each threshold (50, 80, 100) is posted once a month.
package struct BudgetThresholdBody: Sendable, Codable, Equatable {
    package var userId: UUID
    /// The budget month, `YYYY-MM` (UTC).
    package var month: String
    package var thresholdPercent: Int
    package var budgetUsd: Double
    /// The month's spend when the crossing was seen (at least the threshold's share of the budget).
    package var spentUsd: Double
    package var crossedAt: Date

    package init(userId: UUID, month: String, thresholdPercent: Int, budgetUsd: Double, spentUsd: Double, crossedAt: Date) {
        self.userId = userId
        self.month = month
        self.thresholdPercent = thresholdPercent
        self.budgetUsd = budgetUsd
        self.spentUsd = spentUsd
        self.crossedAt = crossedAt
    }
}

/// `GET /v1/account/webhook` (and `PUT`): where the user's account events (`budget.threshold`) are posted, and the latest
/// delivery attempts, newest first.
package struct AccountWebhookBody: Sendable, Codable, Equatable {
    package var url: String
    package var events: [String]
    package var updatedAt: Date
    package var deliveries: [WebhookDeliveryAttempt]

    package init(url: String, updatedAt: Date, deliveries: [WebhookDeliveryAttempt]) {
        self.url = url
        self.events = ["budget.threshold"]
        self.updatedAt = updatedAt
        self.deliveries = deliveries
    }
}
