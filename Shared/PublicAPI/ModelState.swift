import Foundation

/// An operator's change to the catalog (`/v1/admin/models` and `/v1/admin/aliases` on the dispatcher): a model disabled
/// with a reason or enabled again, repriced, pinned to a version, or an alias reweighted.
package struct ModelStateChange: Sendable, Codable, Equatable {
    /// The model's id, or the alias's name for `weights`.
    package var modelId: String
    /// `disabled`, `enabled`, `price`, `version` or `weights`.
    package var change: String
    package var reason: String?
    /// What it set: the price, the version, the weights as JSON; absent when it went back to the catalog's.
    package var value: String?
    package var changedBy: String
    package var changedAt: Date

    package init(modelId: String, change: String, reason: String?, value: String? = nil, changedBy: String, changedAt: Date) {
        self.modelId = modelId
        self.change = change
        self.reason = reason
        self.value = value
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}

/// `GET /v1/admin/models`: what is overridden now (disabled models, prices, versions, alias weights), and the latest
/// changes, newest first.
package struct ModelStateReport: Sendable, Codable, Equatable {
    package var disabled: [ModelStateChange]
    package var prices: [String: Double]
    package var versions: [String: String]
    package var aliasWeights: [String: [String: Int]]
    package var changes: [ModelStateChange]

    package init(
        disabled: [ModelStateChange], prices: [String: Double] = [:], versions: [String: String] = [:],
        aliasWeights: [String: [String: Int]] = [:], changes: [ModelStateChange]
    ) {
        self.disabled = disabled
        self.prices = prices
        self.versions = versions
        self.aliasWeights = aliasWeights
        self.changes = changes
    }
}
