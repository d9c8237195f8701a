import Foundation

/// An operator's change to a model's service (`/v1/admin/models` on the dispatcher): disabled with a reason, or enabled
/// again.
package struct ModelStateChange: Sendable, Codable, Equatable {
    package var modelId: String
    /// `disabled` or `enabled`.
    package var change: String
    package var reason: String?
    package var changedBy: String
    package var changedAt: Date

    package init(modelId: String, change: String, reason: String?, changedBy: String, changedAt: Date) {
        self.modelId = modelId
        self.change = change
        self.reason = reason
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}

/// `GET /v1/admin/models`: the models disabled now, and the latest changes, newest first.
package struct ModelStateReport: Sendable, Codable, Equatable {
    package var disabled: [ModelStateChange]
    package var changes: [ModelStateChange]

    package init(disabled: [ModelStateChange], changes: [ModelStateChange]) {
        self.disabled = disabled
        self.changes = changes
    }
}
