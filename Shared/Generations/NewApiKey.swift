import Catalog
import Foundation
import PublicAPI
import ServiceKit
import WireFormat

/// What a request to make an API key asks for (`POST /v1/keys`, and a project's `POST /v1/admin/projects/{id}/keys`),
/// each field checked: `name` (1 to 100 characters), `scopes` (default `generate` and `read`), `expires_at` (RFC 3339,
/// ahead), `rate_per_minute` (1 to 1,000,000) and `monthly_usd` (its own monthly budget, 0 to 99,999,999).
package struct NewApiKey: Sendable, Equatable {
    package var name: String
    package var scopes: [ApiKeyScope]
    package var expiresAt: Date?
    package var ratePerMinute: Int?
    package var monthlyBudget: Double?

    package init(
        name: String, scopes: [ApiKeyScope] = [.generate, .read], expiresAt: Date? = nil, ratePerMinute: Int? = nil, monthlyBudget: Double? = nil
    ) {
        self.name = name
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.ratePerMinute = ratePerMinute
        self.monthlyBudget = monthlyBudget
    }

    /// The key `fields` ask for; a 422 naming every bad field.
    package init(_ fields: [String: JSONValue]) throws {
        var reader = FieldReader(fields, allowed: ["name", "scopes", "expires_at", "rate_per_minute", "monthly_usd"])
        let rate = reader.int("rate_per_minute", 1...1_000_000)
        let budget = reader.double("monthly_usd", 0...99_999_999)
        let name = reader.requiredString("name", maxLength: 100)?.trimmingCharacters(in: .whitespacesAndNewlines)
        if name?.isEmpty == true { reader.fail("name", "must not be empty") }
        var scopes: [ApiKeyScope] = [.generate, .read]
        if let raw = reader.value("scopes") {
            let names = ApiKeyScope.allCases.map(\.rawValue).joined(separator: ", ")
            if case .array(let items) = raw, !items.isEmpty, case let parsed = items.compactMap({ $0.string.flatMap(ApiKeyScope.init(rawValue:)) }),
                parsed.count == items.count
            {
                scopes = parsed
            } else {
                reader.fail("scopes", "must be a non-empty array of \(names)")
            }
        }
        let expiresAt = reader.string("expires_at", maxLength: 64).flatMap { raw -> Date? in
            guard let date = Timestamp.parse(raw), date > Date() else {
                reader.fail("expires_at", "must be an RFC 3339 time in the future, got '\(raw)'")
                return nil
            }
            return date
        }
        guard reader.errors.isEmpty, let name else { throw Problem.validation(reader.errors) }
        self.init(name: name, scopes: scopes, expiresAt: expiresAt, ratePerMinute: rate, monthlyBudget: budget)
    }
}
