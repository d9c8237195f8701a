import Foundation

/// What an API key may do: `generate` (create generations, batches, files; cancel), `read` (every GET), `delete`
/// (DELETE), `admin` (manage keys, the webhook secret).
package enum ApiKeyScope: String, Sendable, Codable, CaseIterable {
    case generate
    case read
    case delete
    case admin
}

/// An API key as `GET /v1/keys` shows it; `key` itself only in the answer to `POST /v1/keys`, never again.
package struct ApiKeyBody: Sendable, Codable, Equatable {
    package var id: UUID
    package var name: String
    /// Its first characters (`igk_AbC123…`), to recognise it.
    package var hint: String
    package var scopes: [ApiKeyScope]
    package var createdAt: Date
    package var expiresAt: Date?
    package var lastUsedAt: Date?
    package var revokedAt: Date?
    /// Its own limit: requests a minute over every write it makes (beside its user's); absent: only the user's.
    package var ratePerMinute: Int?
    /// Its own monthly budget (USD) over the generations made with it, and their spend this month; absent: none.
    package var monthlyBudgetUsd: Double?
    package var spentUsd: Double?
    /// The key: in the creation's answer only.
    package var key: String?

    package init(
        id: UUID, name: String, hint: String, scopes: [ApiKeyScope], createdAt: Date, expiresAt: Date?, lastUsedAt: Date?, revokedAt: Date?,
        ratePerMinute: Int? = nil, monthlyBudgetUsd: Double? = nil, spentUsd: Double? = nil, key: String? = nil
    ) {
        self.id = id
        self.name = name
        self.hint = hint
        self.scopes = scopes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.ratePerMinute = ratePerMinute
        self.monthlyBudgetUsd = monthlyBudgetUsd
        self.spentUsd = spentUsd
        self.key = key
    }
}

/// `GET /v1/keys`: the user's keys, newest first (revoked ones too, marked).
package struct ApiKeyList: Sendable, Codable, Equatable {
    package var data: [ApiKeyBody]

    package init(data: [ApiKeyBody]) { self.data = data }
}
