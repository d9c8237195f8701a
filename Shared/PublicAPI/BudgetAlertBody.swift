import Foundation

/// The subject of a `budget.threshold` webhook: a user's (or a project's) spend this month reached `thresholdPercent` of
/// their monthly budget. Each threshold (50, 80, 100) is posted once a month.
package struct BudgetThresholdBody: Sendable, Codable, Equatable {
    package var userId: UUID
    /// Set when the budget is a project's (posted to the account webhook of the project's own user, `userId`, which is
    /// the project's id: set with one of the project's keys).
    package var projectId: UUID?
    /// The budget month, `YYYY-MM` (UTC).
    package var month: String
    package var thresholdPercent: Int
    package var budgetUsd: Double
    /// The month's spend when the crossing was seen (at least the threshold's share of the budget).
    package var spentUsd: Double
    package var crossedAt: Date

    package init(userId: UUID, month: String, thresholdPercent: Int, budgetUsd: Double, spentUsd: Double, crossedAt: Date, projectId: UUID? = nil) {
        self.userId = userId
        self.projectId = projectId
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
