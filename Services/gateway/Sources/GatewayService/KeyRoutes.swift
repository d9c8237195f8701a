import Catalog
import Foundation
import Generations
import Hummingbird
import PublicAPI
import ServiceKit
import WireFormat

/// API keys: made (shown once), listed (never shown again) and revoked by their user, or by a key with `admin`.
struct KeyRoutes: Sendable {
    let keys: ApiKeyStore
    let auth: UserAuthenticator

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/keys") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let body = try await request.decodeJSON(JSONValue.self, limit: 16 << 10)
            guard case .object(let fields) = body else { throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object") }
            let (name, scopes, expiresAt, rate) = try Self.validated(fields)
            let created = try await keys.create(userID: user, name: name, scopes: scopes, expiresAt: expiresAt, ratePerMinute: rate)
            var response = try JSONCoding.response(created, status: .created)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.get("v1/keys") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            return try JSONCoding.response(ApiKeyList(data: try await keys.list(userID: user)))
        }
        router.delete("v1/keys/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try GenerationRoutes.uuid(context)
            guard try await keys.revoke(id, userID: user) else { throw Problem.notFound("Key \(id.lowercase)") }
            return Response(status: .noContent)
        }
    }

    /// `name` (1 to 100 characters), `scopes` (default `generate` and `read`), `expires_at` (RFC 3339, ahead) and
    /// `rate_per_minute` (1 to 1,000,000).
    static func validated(_ fields: [String: JSONValue]) throws -> (String, [ApiKeyScope], Date?, Int?) {
        var reader = FieldReader(fields, allowed: ["name", "scopes", "expires_at", "rate_per_minute"])
        let rate = reader.int("rate_per_minute", 1...1_000_000)
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
        return (name, scopes, expiresAt, rate)
    }
}
