import Foundation
import Logging
import PostgresNIO

/// Token buckets in PostgreSQL (`rate_buckets`), one per subject, so a rate holds across every gateway: one statement
/// per request refills, takes and answers, for every limit the request falls under at once.
package struct RateBuckets: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// One bucket's state after a take: its rate a minute and the tokens left (below 1 when it refused).
    package struct Bucket: Sendable, Equatable {
        package var subject: String
        package var perMinute: Int
        package var tokens: Double
    }

    /// Takes a token from each bucket in `limits` (subject, rate a minute; refilled continuously, bursting to the rate),
    /// all or none, in one statement (`imagegen_take_tokens`); returns whether they were taken and each bucket after.
    package func take(_ limits: [(subject: String, perMinute: Int)]) async throws -> (taken: Bool, buckets: [Bucket]) {
        if limits.count == 1, let (subject, perMinute) = limits.first {
            let (taken, tokens) = try await take(subject, perMinute: perMinute)
            return (taken, [Bucket(subject: subject, perMinute: perMinute, tokens: tokens)])
        }
        let rows = try await client.query(
            "SELECT subject, rate, tokens, taken FROM imagegen_take_tokens(\(limits.map(\.subject))::text[], \(limits.map { Double($0.perMinute) })::float8[])",
            logger: logger
        )
        var buckets: [Bucket] = []
        var taken = true
        for try await (subject, rate, tokens, took) in rows.decode((String, Double, Double, Bool).self) {
            buckets.append(Bucket(subject: subject, perMinute: Int(rate), tokens: tokens))
            taken = taken && took
        }
        guard buckets.count == limits.count else {
            throw PostgresError.protocol("imagegen_take_tokens answered \(buckets.count) of \(limits.count) buckets")
        }
        return (taken, buckets)
    }

    /// One bucket's take in one plain statement (the common case: no key with a rate of its own), without the
    /// function's two statements.
    private func take(_ subject: String, perMinute: Int) async throws -> (taken: Bool, tokens: Double) {
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
