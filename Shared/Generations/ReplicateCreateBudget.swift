import Foundation
import Logging
import PostgresNIO
import WireFormat

/// Replicate's limit on prediction creates (600 a minute per account by default), shared by every generator replica
/// through one row: a token bucket that allows `perMinute` creates in any minute (a tenth of them as a burst, the rest
/// refilled evenly), and that a 429 from Replicate closes until its `Retry-After` has passed. A create it cannot grant
/// at once is promised a slot when one comes within ``horizon`` (`imagegen_take_replicate_create`, migration 0045).
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

    /// How far ahead a create that cannot be granted at once is promised a slot of its own: nearer, its job sleeps until
    /// the slot and creates then; further, it asks again later, so a job of higher priority waits behind at most this
    /// much of promises.
    package static let horizon = Duration.seconds(5)

    /// Takes one create from the shared budget for `generation`: nil when it may create now (a token was free, or the slot
    /// promised to it earlier has come), else how long until its slot, or until it should ask again.
    package func take(for generation: UUID) async throws -> Duration? {
        let rows = try await client.query(
            """
            SELECT imagegen_take_replicate_create(\(generation), \(burst)::float8, \(refillPerSecond)::float8, \(Self.horizon.seconds)::float8)
            """,
            logger: logger
        )
        for try await wait in rows.decode(Double.self) where wait > 0 { return .milliseconds(Int64((wait * 1000).rounded(.up))) }
        return nil
    }

    /// Replicate answered 429: no generator creates until `wait` has passed, and every slot promised is void.
    package func close(for wait: Duration) async throws {
        try await client.query(
            """
            WITH voided AS (DELETE FROM replicate_create_reservations)
            UPDATE replicate_create_budget
            SET blocked_until = greatest(coalesce(blocked_until, now()), now() + \(wait.seconds)::float8 * interval '1 second'),
                tokens = 0, refreshed_at = now()
            WHERE account = 'default'
            """,
            logger: logger
        )
    }
}
