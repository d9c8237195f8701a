import Crypto
import Foundation
import Logging
import PostgresNIO
import PublicAPI
import Storage
import WireFormat

/// A live key, as a request that presented it is served: whose it is and what it may do.
package struct AuthenticatedKey: Sendable, Equatable {
    package var id: UUID
    package var userId: UUID
    package var scopes: Set<ApiKeyScope>
    /// Its own rate a minute over every write, if it has one.
    package var ratePerMinute: Int?
    /// The hash of the key presented (what a later check of the same bearer compares).
    package var hash: String
}

/// API keys (`api_keys`): made with a random secret shown once, kept as its SHA-256, looked up by it on every request
/// (no cache, so a revocation holds on every gateway at once).
package struct ApiKeyStore: Sendable {
    package static let prefix = "igk_"
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The SHA-256 (hex) a key is stored and found by.
    package static func hash(_ key: String) -> String { SHA256.hash(data: Data(key.utf8)).hexString }

    /// Makes `key` for `userID` (with its budget's slot when it has one); the answer carries the key, which is not kept.
    package func create(_ key: NewApiKey, userID: UUID) async throws -> ApiKeyBody {
        let secret = Self.prefix + randomToken()
        let hint = String(secret.prefix(Self.prefix.count + 6)) + "…"
        let ordered = ApiKeyScope.allCases.filter(key.scopes.contains).map(\.rawValue)
        let rows = try await client.query(
            """
            WITH made AS (
                INSERT INTO api_keys (id, user_id, name, hint, hash, scopes, expires_at, rate_per_minute, monthly_budget_usd)
                VALUES (\(UUID()), \(userID), \(key.name), \(hint), \(Self.hash(secret)), \(ordered), \(key.expiresAt), \(key.ratePerMinute),
                        \(key.monthlyBudget)::float8::numeric)
                RETURNING *
            ), slot AS (
                INSERT INTO api_key_slots (api_key_id) SELECT id FROM made WHERE monthly_budget_usd IS NOT NULL
            )
            SELECT \(unescaped: Self.columns), NULL::float8 AS spent FROM made
            """,
            logger: logger
        )
        for try await row in rows {
            var body = try Self.body(row.makeRandomAccess())
            body.key = secret
            return body
        }
        throw PostgresError.protocol("INSERT … RETURNING gave no row")
    }

    /// The live key whose hash is `hash(bearer)`, marking it used (at most once a minute, so a busy key costs no write
    /// per request); nil when there is none (unknown, revoked or expired).
    package func authenticate(_ bearer: String) async throws -> AuthenticatedKey? {
        let hash = Self.hash(bearer)
        let rows = try await client.query(
            """
            WITH found AS (
                SELECT id, user_id, scopes, rate_per_minute, last_used_at FROM api_keys
                WHERE hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            ), touched AS (
                UPDATE api_keys SET last_used_at = now()
                WHERE id = (SELECT id FROM found WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            )
            SELECT id, user_id, scopes, rate_per_minute FROM found
            """,
            logger: logger
        )
        var key: AuthenticatedKey?
        for try await (id, user, scopes, rate) in rows.decode((UUID, UUID, [String], Int?).self) {
            key = AuthenticatedKey(
                id: id, userId: user, scopes: Set(scopes.compactMap(ApiKeyScope.init(rawValue:))), ratePerMinute: rate, hash: hash)
        }
        return key
    }

    /// The user's keys, newest first.
    package func list(userID: UUID) async throws -> [ApiKeyBody] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns),
                   (SELECT CASE WHEN s.spent_month = imagegen_budget_month(now()) THEN s.spent_usd ELSE 0 END FROM api_key_slots s
                    WHERE s.api_key_id = api_keys.id)::float8 AS spent
            FROM api_keys WHERE user_id = \(userID) ORDER BY created_at DESC, id LIMIT 1000
            """,
            logger: logger)
        var keys: [ApiKeyBody] = []
        for try await row in rows { keys.append(try Self.body(row.makeRandomAccess())) }
        return keys
    }

    /// Revokes the user's key `id` now (again is a no-op); false when they have no such key.
    package func revoke(_ id: UUID, userID: UUID) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id) AND user_id = \(userID) RETURNING 1", logger: logger)
        var found = false
        for try await _ in rows { found = true }
        return found
    }

    private static let columns =
        "id, name, hint, scopes, created_at, expires_at, last_used_at, revoked_at, rate_per_minute, monthly_budget_usd::float8 AS budget"

    private static func body(_ row: PostgresRandomAccessRow) throws -> ApiKeyBody {
        let budget = try row["budget"].decode(Double?.self)
        return ApiKeyBody(
            id: try row["id"].decode(UUID.self), name: try row["name"].decode(String.self), hint: try row["hint"].decode(String.self),
            scopes: try row["scopes"].decode([String].self).compactMap(ApiKeyScope.init(rawValue:)),
            createdAt: try row["created_at"].decode(Date.self), expiresAt: try row["expires_at"].decode(Date?.self),
            lastUsedAt: try row["last_used_at"].decode(Date?.self), revokedAt: try row["revoked_at"].decode(Date?.self),
            ratePerMinute: try row["rate_per_minute"].decode(Int?.self), monthlyBudgetUsd: budget,
            spentUsd: budget.map { _ in (try? row["spent"].decode(Double?.self)) ?? 0 })
    }
}
