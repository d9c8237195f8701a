import Foundation
import DispatcherService
import ServiceKit

try await ServiceMain.run(
    "dispatcher", about: "Claims jobs from the PostgreSQL queue and pushes each to the service that owns its type.",
    environment: "DATABASE_URL, INTERNAL_TOKEN (required); DISPATCH_ROUTES, DISPATCH_CONCURRENCY, DISPATCH_LEASE_SECONDS, DISPATCH_TIMEOUT_SECONDS, DISPATCH_POLL_MS, DISPATCH_RETENTION_HOURS, DISPATCH_SHUTDOWN_GRACE_SECONDS, DISPATCH_WORKER_ID, HTTP_HOST, HTTP_PORT (8081), LOG_LEVEL.",
    load: { try DispatcherConfig(environment: ProcessInfo.processInfo.environment) }, settings: \.http, build: { buildDispatcher(config: $0, logger: $1) }
)
