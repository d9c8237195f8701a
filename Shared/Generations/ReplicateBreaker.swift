import Foundation
import JobQueue
import Logging
import Metrics
import PostgresNIO
import Synchronization
import WireFormat

/// A circuit breaker over Replicate shared by every generator through one row (`replicate_breaker`), like the create
/// budget. `threshold` failed calls in a row (5xx, 408, no answer) open it: no generator calls Replicate then, except one
/// probe every `probeInterval`; the first call that gets an answer closes it. Jobs held back by it are snoozed, spending
/// no attempt. Healthy, it costs no round trip: each process reads the row at most once per `refreshInterval`.
package final class ReplicateBreaker: Sendable {
    /// What a caller may do now.
    package enum Admission: Sendable, Equatable {
        /// Call Replicate.
        case go
        /// Open since `since`: wait `wait`, then ask again.
        case wait(Duration, since: Date)
    }

    private struct View {
        var openSince: Date?
        var failures = 0
        var readAt: ContinuousClock.Instant?
    }

    let client: PostgresClient
    let logger: Logger
    let threshold: Int
    package let probeInterval: Duration
    let refreshInterval: Duration
    private let view = Mutex(View())

    package init(
        client: PostgresClient, logger: Logger, threshold: Int = 5, probeInterval: Duration = .seconds(10),
        refreshInterval: Duration = .seconds(1)
    ) {
        self.client = client
        self.logger = logger
        self.threshold = threshold
        self.probeInterval = probeInterval
        self.refreshInterval = refreshInterval
    }

    /// Whether this process last saw the breaker open (what the `imagegen_generator_replicate_breaker_open` gauge shows).
    package var isOpen: Bool { view.withLock { $0.openSince != nil } }

    /// May a call to Replicate go now? Closed and read recently: yes, with no round trip. Open: one caller per probe
    /// interval is let through as the probe; the others are told how long to wait.
    package func admit() async throws -> Admission {
        let fresh = view.withLock { view in
            view.openSince == nil && view.readAt.map { ContinuousClock.now - $0 < refreshInterval } == true
        }
        if fresh { return .go }
        let rows = try await client.query(
            """
            WITH probe AS (
                UPDATE replicate_breaker SET probe_at = now() + \(probeInterval.seconds)::float8 * interval '1 second'
                WHERE account = 'default' AND opened_at IS NOT NULL AND probe_at <= now()
                RETURNING account
            )
            SELECT b.opened_at, b.failures, EXISTS (SELECT 1 FROM probe),
                   greatest(extract(epoch FROM b.probe_at - now()), 0)::float8
            FROM replicate_breaker AS b WHERE b.account = 'default'
            """,
            logger: logger
        )
        for try await (openedAt, failures, probe, wait) in rows.decode((Date?, Int, Bool, Double?).self) {
            remember(openSince: openedAt, failures: failures)
            guard let openedAt, !probe else { return .go }
            // Spread the waiting jobs over the next probe interval rather than waking them all at its start.
            let spread = probeInterval.seconds * Double.random(in: 0...1)
            return .wait(.seconds(min(wait ?? 0, probeInterval.seconds) + spread), since: openedAt)
        }
        return .go  // No row (the migration seeds it): never hold calls back on a missing row.
    }

    /// A call failed for Replicate's reason (5xx, 408, no answer); returns when the breaker opened, if it is open.
    @discardableResult
    package func failed() async throws -> Date? {
        let rows = try await client.query(
            """
            UPDATE replicate_breaker
            SET failures = failures + 1,
                opened_at = CASE WHEN opened_at IS NULL AND failures + 1 >= \(threshold) THEN now() ELSE opened_at END,
                probe_at = CASE WHEN opened_at IS NOT NULL OR failures + 1 >= \(threshold)
                                THEN now() + \(probeInterval.seconds)::float8 * interval '1 second' ELSE probe_at END
            WHERE account = 'default'
            RETURNING opened_at, failures
            """,
            logger: logger
        )
        for try await (openedAt, failures) in rows.decode((Date?, Int).self) {
            let wasOpen = isOpen
            remember(openSince: openedAt, failures: failures)
            if !wasOpen, let openedAt {
                logger.error("Replicate keeps failing: calls stop, with a probe now and then", metadata: ["since": "\(openedAt)"])
            }
            return openedAt
        }
        return nil
    }

    /// A call got an answer from Replicate (any status it meant to send): the breaker closes and the failure count
    /// restarts. Costs a round trip only when this process last saw failures.
    package func succeeded() async throws {
        guard view.withLock({ $0.failures > 0 || $0.openSince != nil }) else { return }
        let rows = try await client.query(
            """
            WITH old AS (SELECT opened_at FROM replicate_breaker WHERE account = 'default' FOR UPDATE)
            UPDATE replicate_breaker SET failures = 0, opened_at = NULL, probe_at = NULL
            WHERE account = 'default'
            RETURNING (SELECT opened_at FROM old)
            """,
            logger: logger
        )
        for try await openedAt in rows.decode(Date?.self) where openedAt != nil {
            logger.notice("Replicate answers again: calls resume", metadata: ["was_open_since": "\(openedAt!)"])
        }
        remember(openSince: nil, failures: 0)
    }

    private func remember(openSince: Date?, failures: Int) {
        view.withLock { $0 = View(openSince: openSince, failures: failures, readAt: .now) }
        Gauge(label: MetricName.generatorReplicateBreakerOpen).record(openSince == nil ? 0 : 1)
    }
}
