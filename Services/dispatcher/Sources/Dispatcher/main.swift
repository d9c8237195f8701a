import DispatcherService
import Foundation
import Hummingbird
import Logging
import ServiceKit

if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("""
        USAGE: dispatcher [healthcheck]

        Claims jobs from the PostgreSQL queue and pushes each to the service that owns its type.
        Environment: DATABASE_URL, INTERNAL_TOKEN (required); DISPATCH_ROUTES, DISPATCH_CONCURRENCY, DISPATCH_LEASE_SECONDS,
        DISPATCH_TIMEOUT_SECONDS, DISPATCH_POLL_MS, DISPATCH_RETENTION_HOURS, DISPATCH_SHUTDOWN_GRACE_SECONDS, DISPATCH_WORKER_ID,
        HTTP_HOST, HTTP_PORT (8081), LOG_LEVEL.
        """)
    exit(0)
}
let config = Bootstrap.load("dispatcher") { try DispatcherConfig(environment: ProcessInfo.processInfo.environment) }
if CommandLine.arguments.dropFirst().first == "healthcheck" { exit(Healthcheck.run(port: config.http.port)) }
Bootstrap.process(logLevel: config.http.logLevel)
try await buildDispatcher(config: config, logger: Logger(label: "dispatcher")).runService()
