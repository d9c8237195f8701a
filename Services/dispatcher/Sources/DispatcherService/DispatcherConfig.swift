import Database
import Foundation
import ServiceKit

/// The dispatcher's settings, read once at start.
package struct DispatcherConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    package var internalToken: String
    /// The admin API's own bearer token (`ADMIN_TOKEN`; the workers' `INTERNAL_TOKEN` opens nothing there). Unset, the
    /// admin API is off.
    package var adminToken: String?
    /// Job type → base URL of the owning service (`DISPATCH_ROUTES`).
    package var routes: [String: String]
    /// Job type → most jobs in flight at once from this dispatcher (`DISPATCH_CONCURRENCY`).
    package var concurrency: [String: Int]
    /// Lease length; renewed every third of it while a push is in flight (`DISPATCH_LEASE_SECONDS`).
    package var lease: Duration
    /// Longest a push may take before it counts as a timeout and is retried (`DISPATCH_TIMEOUT_SECONDS`).
    package var pushTimeout: Duration
    /// Poll fallback when no notification arrives (`DISPATCH_POLL_MS`).
    package var pollInterval: Duration
    /// How long to keep completed jobs (`DISPATCH_RETENTION_HOURS`).
    package var retention: Duration
    /// How long to keep generation events and dead letters (`RETENTION_EVENTS_DAYS`, `RETENTION_DEAD_JOBS_DAYS`; nil keeps).
    package var eventsRetention: Duration?
    package var deadJobsRetention: Duration?
    /// How long to keep deleted generations' tombstones and webhook delivery records (`RETENTION_DELETED_DAYS`,
    /// `RETENTION_WEBHOOK_DELIVERIES_DAYS`; nil keeps).
    package var tombstonesRetention: Duration?
    package var deliveriesRetention: Duration?
    /// On SIGTERM, how long in-flight pushes may finish before their jobs are released (`DISPATCH_SHUTDOWN_GRACE_SECONDS`).
    package var shutdownGrace: Duration
    package var workerID: String
    /// Dead-letter pending jobs of types missing from `routes` (`DISPATCH_FAIL_UNKNOWN_TYPES`, default false): only for
    /// a dispatcher whose routes name every job type of the deployment.
    package var failUnknownTypes: Bool
    /// A waiting job's priority rises one level per this much waiting times its level plus one
    /// (`DISPATCH_PRIORITY_AGING_SECONDS`; 0 turns aging off).
    package var priorityAging: Duration?
    /// An unfinished generation with no live job gets its job back once unchanged this long (`DISPATCH_SWEEP_AFTER_SECONDS`).
    package var sweepAfter: Duration
    /// ... unless it was created longer ago than this: then it fails (`GENERATION_DEADLINE_HOURS`).
    package var generationDeadline: Duration

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8081, defaultShutdownTimeout: 40)
        database = loader.databaseURL()
        internalToken = loader.secret("INTERNAL_TOKEN")
        adminToken = loader.optionalSecret("ADMIN_TOKEN")
        if adminToken != nil, adminToken == internalToken {
            loader.problem("ADMIN_TOKEN must differ from INTERNAL_TOKEN (every worker holds INTERNAL_TOKEN)")
        }
        routes = loader.map(
            "DISPATCH_ROUTES",
            default:
                "generate-image=http://127.0.0.1:8082,download-image=http://127.0.0.1:8083,deliver-webhook=http://127.0.0.1:8084,delete-files=http://127.0.0.1:8083"
        ) {
            URL(string: $0)?.host != nil ? $0 : nil
        }
        concurrency = loader.map("DISPATCH_CONCURRENCY", default: "generate-image=64,download-image=128,deliver-webhook=64,delete-files=8") {
            Int($0).flatMap { $0 > 0 ? $0 : nil }
        }
        lease = .seconds(loader.int("DISPATCH_LEASE_SECONDS", default: 30, in: 2...3600))
        pushTimeout = .seconds(loader.int("DISPATCH_TIMEOUT_SECONDS", default: 600, in: 1...86400))
        pollInterval = .milliseconds(loader.int("DISPATCH_POLL_MS", default: 1000, in: 10...60000))
        retention = .seconds(loader.int("DISPATCH_RETENTION_HOURS", default: 168, in: 1...100000) * 3600)
        eventsRetention = loader.days("RETENTION_EVENTS_DAYS")
        deadJobsRetention = loader.days("RETENTION_DEAD_JOBS_DAYS")
        tombstonesRetention = loader.days("RETENTION_DELETED_DAYS")
        deliveriesRetention = loader.days("RETENTION_WEBHOOK_DELIVERIES_DAYS")
        shutdownGrace = .seconds(loader.int("DISPATCH_SHUTDOWN_GRACE_SECONDS", default: 25, in: 0...3600))
        workerID = loader.string("DISPATCH_WORKER_ID", default: "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)")
        failUnknownTypes = loader.bool("DISPATCH_FAIL_UNKNOWN_TYPES", default: false)
        let aging = loader.int("DISPATCH_PRIORITY_AGING_SECONDS", default: 60, in: 0...86400)
        priorityAging = aging == 0 ? nil : .seconds(aging)
        sweepAfter = .seconds(loader.int("DISPATCH_SWEEP_AFTER_SECONDS", default: 300, in: 1...86400))
        generationDeadline = .seconds(loader.int("GENERATION_DEADLINE_HOURS", default: 24, in: 1...8760) * 3600)
        try loader.validate()
    }

    /// Concurrency for `type` (64 when not configured).
    func limit(for type: String) -> Int { concurrency[type] ?? 64 }
}
