import Foundation
import Generations
import HTTPTypes
import Logging
import Metrics
import PublicAPI
import ServiceKit
import ServiceLifecycle
import Synchronization
import WireFormat

/// Spend as the gateway watches it. Every 5 s it records the budget thresholds users' spend crossed (each posted once
/// as `budget.threshold`, whichever gateway sees it first). With an account ceiling (`GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD`)
/// it reads the whole account's spend and reservations every second, exports them as gauges, and refuses a create that
/// would take them past the ceiling, counting what this gateway admitted since its last read. Other gateways' admissions
/// of the last second are not seen here: the ceiling can be passed by at most what the other gateways admit in a second.
final class SpendWatch: Service, Sendable {
    private let alerts: BudgetAlertStore
    /// Each user's monthly budget unless their own is set (`GATEWAY_MONTHLY_BUDGET_USD`).
    private let defaultBudget: Double?
    /// The account-wide monthly ceiling over every user (`GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD`).
    let ceiling: Double?
    private let logger: Logger
    /// The account's committed spend (this month's spend plus reservations) at the last read, and each request admitted
    /// since with its expected cost.
    private let state = Mutex<(committed: Double, read: ContinuousClock.Instant, admitted: [(at: ContinuousClock.Instant, usd: Double)])?>(nil)
    /// How long an admission is counted here after a read that started later: its transaction may commit after the
    /// read's snapshot (counting it twice for that long errs on the ceiling's side).
    private static let grace = Duration.seconds(2)

    init(alerts: BudgetAlertStore, defaultBudget: Double?, ceiling: Double?, logger: Logger) {
        self.alerts = alerts
        self.defaultBudget = defaultBudget
        self.ceiling = ceiling
        self.logger = logger
    }

    func run() async throws {
        var tick = 0
        repeat {
            if ceiling != nil { try? await readAccount() }
            if tick % 5 == 0 {
                do {
                    try await alerts.raiseCrossed(defaultBudget: defaultBudget)
                } catch {
                    logger.warning("Budget thresholds could not be checked", metadata: ["error": "\(error)"])
                }
            }
            tick += 1
        } while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: .seconds(1)) })) != nil
    }

    /// Admits a request expected to cost `expected`, or throws 402 when it would take the account past its ceiling.
    func admit(_ expected: Double) async throws {
        guard let ceiling else { return }
        if state.withLock({ $0 == nil }) { try await readAccount() }
        let committed: Double? = state.withLock { state in
            guard var current = state else { return nil }
            // Until a read surely holds an admission, it is counted here, so this gateway alone never passes the ceiling.
            current.admitted.removeAll { $0.at < current.read - Self.grace }
            let committed = current.committed + current.admitted.reduce(0) { $0 + $1.usd }
            guard committed + expected <= ceiling + 1e-9 else { return committed }
            current.admitted.append((.now, expected))
            state = current
            return nil
        }
        if let committed {
            var problem = Problem(
                HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), title: "Account monthly ceiling reached",
                detail: String(
                    format: "This request is expected to cost $%.4f; $%.4f of this service's $%.4f monthly ceiling is spent or reserved",
                    expected, committed, ceiling)
            )
            problem.type = GenerationRoutes.budgetExhausted
            problem.extensions = [
                "scope": "account", "budget_usd": .double(ceiling), "committed_usd": .double(committed), "request_usd": .double(expected),
            ]
            throw problem
        }
    }

    /// Reads the account's spend and reservations, exports them, and makes them what ``admit(_:)`` counts from.
    private func readAccount() async throws {
        let started = ContinuousClock.now
        let (spent, reserved) = try await alerts.accountSpend()
        Gauge(label: MetricName.accountSpentUsd).record(spent)
        Gauge(label: MetricName.accountReservedUsd).record(reserved)
        if let ceiling { Gauge(label: MetricName.accountMonthlyCeilingUsd).record(ceiling) }
        state.withLock { state in
            let admitted = (state?.admitted ?? []).filter { $0.at >= started - Self.grace }
            state = (spent + reserved, started, admitted)
        }
    }
}
