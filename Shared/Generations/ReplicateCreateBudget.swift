import Foundation
import Logging
import PostgresNIO

/// Replicate's limit on prediction creates (600 a minute per account by default), shared by every generator replica
/// through one row: a token bucket that allows `perMinute` creates in any minute (a tenth of them as a burst, the rest
/// refilled evenly), and that a 429 from Replicate closes until its `Retry-After` has passed.
package struct ReplicateCreateBudget: Sendable {
    let client: PostgresClient
    let perMinute: Int
    let logger: Logger

    package init(client: PostgresClient, perMinute: Int, logger: Logger) {
        self.client = client
        self.perMinute = perMinute
        self.logger = logger
    }

    /// At most this many at once; the rest of the minute's allowance comes in evenly.
    var burst: Double { max(1, Double(perMinute) / 10) }
    var refillPerSecond: Double { max(0, Double(perMinute) - burst) / 60 }

    /// Takes one create from the shared budget: nil when granted, else how long until one may be.
    package func take() async throws -> Duration? {
        let (burst, refill) = (burst, refillPerSecond)
        let rows = try await client.query(
            """
            UPDATE replicate_create_budget AS b
            SET granted = s.open AND s.available >= 1,
                tokens = s.available - CASE WHEN s.open AND s.available >= 1 THEN 1 ELSE 0 END,
                refreshed_at = now()
            FROM (
                SELECT least(\(burst)::float8, tokens + extract(epoch FROM now() - refreshed_at) * \(refill)::float8) AS available,
                       (blocked_until IS NULL OR blocked_until <= now()) AS open
                FROM replicate_create_budget WHERE account = 'default' FOR UPDATE
            ) AS s
            WHERE b.account = 'default'
            RETURNING b.granted, b.tokens,
                      greatest(extract(epoch FROM b.blocked_until - now()), 0)::float8 AS blocked_for
            """,
            logger: logger
        )
        for try await (granted, tokens, blockedFor) in rows.decode((Bool, Double, Double?).self) {
            if granted { return nil }
            let refillWait = refill > 0 ? (1 - tokens) / refill : 60
            return .milliseconds(Int64(max(blockedFor ?? 0, refillWait, 0.05) * 1000))
        }
        // No row (the migration seeds it): do not hold creates back on a missing row.
        return nil
    }

    /// Replicate answered 429: no generator creates until `wait` has passed.
    package func close(for wait: Duration) async throws {
        try await client.query(
            """
            UPDATE replicate_create_budget
            SET blocked_until = greatest(coalesce(blocked_until, now()), now() + \(Double(wait.components.seconds))::float8 * interval '1 second'),
                tokens = 0, refreshed_at = now()
            WHERE account = 'default'
            """,
            logger: logger
        )
    }
}
