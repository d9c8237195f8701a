import Foundation
import Logging
import PostgresNIO

/// Token buckets in PostgreSQL (`rate_buckets`), one per subject, so a rate holds across every gateway: one statement
/// per request refills, takes and answers.
package struct RateBuckets: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Takes a token from `subject`'s bucket of `perMinute` (refilled continuously, bursting to `perMinute`); returns
    /// whether it was taken and the tokens left (below 1 when refused: the wait is what the missing part takes to refill).
    package func take(_ subject: String, perMinute: Int) async throws -> (taken: Bool, tokens: Double) {
        let rate = Double(perMinute)
        let rows = try await client.query(
            """
            INSERT INTO rate_buckets AS b (subject, tokens, taken, updated_at) VALUES (\(subject), \(rate) - 1, true, now())
            ON CONFLICT (subject) DO UPDATE SET
                tokens = least(\(rate), b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * \(rate) / 60)
                    - CASE WHEN least(\(rate), b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * \(rate) / 60) >= 1 THEN 1 ELSE 0 END,
                taken = least(\(rate), b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * \(rate) / 60) >= 1,
                updated_at = now()
            RETURNING taken, tokens
            """,
            logger: logger
        )
        for try await (taken, tokens) in rows.decode((Bool, Double).self) { return (taken, tokens) }
        throw PostgresError.protocol("INSERT … RETURNING gave no row")
    }

    /// Deletes buckets idle for an hour (full again by then, at any rate of at least one a minute).
    package func removeIdle(batch: Int = 5000) async throws -> Int {
        let rows = try await client.query(
            """
            DELETE FROM rate_buckets WHERE subject IN (
                SELECT subject FROM rate_buckets WHERE updated_at < now() - interval '1 hour' LIMIT \(batch) FOR UPDATE SKIP LOCKED
            ) RETURNING 1
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
