import AsyncHTTPClient
import Catalog
import Database
import Foundation
import Generations
import Hummingbird
import JobQueue
import Logging
import PostgresNIO
import Schema
import ServiceKit
import ServiceLifecycle
import Storage

/// Builds the gateway: the public API, SSE fan-out from one LISTEN connection, stored files, health and metrics.
package func buildGateway(config: GatewayConfig, logger: Logger) async throws -> some ApplicationProtocol {
    // Notifications are published after each commit (see `withPublishedNotifications`), not held over the WAL flush.
    let client = PostgresClient(
        configuration: config.database.clientConfiguration(maxConnections: 30, deferNotifications: true), backgroundLogger: logger
    )
    for warning in config.warnings { logger.warning("\(warning)") }
    let listener = NotificationListener(url: config.database, channel: "imagegen_generation_events", logger: logger)
    let store = GenerationStore(client: client, logger: logger)
    let hub = GenerationEventHub(listener: listener, logger: logger)
    let (router, services) = try await makePublicRouter(config: config, store: store, hub: hub, logger: logger)
    var app = Application(
        router: router, server: .guarded(config.http),
        configuration: .init(address: .hostname(config.http.host, port: config.http.port), serverName: "gateway"),
        logger: logger
    )
    // Readiness and metrics are for the platform, not the internet: they answer on the internal port only.
    let internalRouter = Router()
    addOperationalRoutes(to: internalRouter, checks: [client.readinessCheck], logger: logger)
    let internalApp = Application(
        router: internalRouter, server: .guarded(config.http),
        configuration: .init(address: .hostname(config.http.host, port: config.internalPort), serverName: "gateway-internal"), logger: logger
    )
    app.addServices(client, listener, hub, internalApp)
    app.addServices(services)
    if config.migrateOnStart {
        app.beforeServerStarts { _ = try await migrateDatabase(config.database, logger: logger) }
    }
    return app
}

/// The public API's router, and the background work its routes need (progress batching, key-set refresh). Separate from
/// the application so a test can compare its routes with the OpenAPI document.
package func makePublicRouter(
    config: GatewayConfig, store: GenerationStore, hub: GenerationEventHub, logger: Logger
) async throws -> (Router<BasicRequestContext>, [any Service]) {
    let auth = try await UserAuthenticator(
        secret: config.jwtSecret, jwks: config.jwks, keySetURL: config.jwksURL, policy: config.tokenPolicy, logger: logger
    )
    let router = Router()
    router.add(middleware: RequestMetricsMiddleware())
    // A server span per request, continuing the caller's `traceparent`; a generation's jobs carry it on.
    // Stream tokens and link signatures never reach an exported span.
    router.add(
        middleware: TracingMiddleware(redactingQueryParameters: ["token", "sig", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token"]))
    router.add(middleware: CORSMiddleware(allowedOrigins: config.corsAllowedOrigins))
    router.add(middleware: ProblemMiddleware(logger: logger))
    // API keys (`Bearer igk_…`): looked up and their scope checked once per request, before any handler.
    let keys = ApiKeyStore(client: store.client, logger: logger)
    router.add(middleware: ApiKeyMiddleware(keys: keys))
    // Every write, limited per user (and per project and key with a rate of its own) across all gateways.
    router.add(
        middleware: RateLimitMiddleware(
            buckets: RateBuckets(client: store.client, logger: logger), auth: auth, createsPerMinute: config.ratePerMinute,
            writesPerMinute: config.writeRatePerMinute, projects: ProjectStore(client: store.client, logger: logger)))
    // Files on disk are served here (read only: the downloader writes and deletes them); images in a bucket are fetched
    // from it with the presigned links the API hands out, and nothing is served at /files.
    if case .directory(let path) = config.storage {
        router.add(middleware: StoredFileMiddleware(links: config.fileLinks, svgInline: config.svgInline) { try await store.isStoredImage(path: $0) })
        router.add(
            middleware: FileMiddleware(path, urlBasePath: StoredFileMiddleware<BasicRequestContext>.prefix, searchForIndexHtml: false, logger: logger)
        )
    }
    let estimates = QueueEstimates(
        queue: JobQueue(client: store.client, logger: logger), timings: ModelTimingStore(client: store.client, logger: logger))
    let files = InputFileStore(client: store.client, logger: logger)
    let alerts = BudgetAlertStore(client: store.client, logger: logger)
    let spend = SpendWatch(alerts: alerts, defaultBudget: config.monthlyBudget, ceiling: config.accountMonthlyBudget, logger: logger)
    let generations = GenerationRoutes(
        store: store, events: GenerationEvents(client: store.client, hub: hub, logger: logger), auth: auth,
        maxActivePerUser: config.maxActivePerUser, maxPriority: config.maxPriority,
        webhookOrigins: config.webhookOrigins, links: config.fileLinks,
        monthlyBudget: config.monthlyBudget,
        backpressure: Backpressure(limit: config.maxQueued, queue: JobQueue(client: store.client, logger: logger)),
        deadlines: config.deadlines, pauseBoard: PauseBoard(queue: JobQueue(client: store.client, logger: logger)),
        estimates: estimates, inputFiles: InputFileLinks(files: files, publicURL: config.inputFiles.publicURL),
        safetyCeiling: config.safetyCeiling, catalog: LiveCatalog(store: ModelStateStore(client: store.client, logger: logger)),
        spend: spend, logger: logger
    )
    addLivenessRoute(to: router)
    router.get("openapi.json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
    generations.add(to: router)
    LegacyRoutes(generations: generations).add(to: router)
    var bucket: S3Client?
    if case .s3(let location, let credentials) = config.storage {
        bucket = S3Client(location: location, credentials: credentials, http: .shared)
    }
    FileRoutes(files: files, auth: auth, settings: config.inputFiles, bucket: bucket).add(to: router)
    KeyRoutes(keys: keys, auth: auth).add(to: router)
    AccountRoutes(alerts: alerts, auth: auth, webhookOrigins: config.webhookOrigins).add(to: router)
    BatchRoutes(generations: generations, batches: BatchStore(client: store.client, logger: logger)).add(to: router)
    ConsoleRoutes().add(to: router)
    // Served whatever the settings (503 until the gateway can know Replicate's secret), so the API is the same everywhere.
    let secret = WebhookSecret(
        configured: config.replicateWebhookSecret, baseURL: config.replicateBaseURL, token: config.replicateToken, logger: logger
    )
    let progress = ReplicateProgressBuffer(store: store, logger: logger)
    ReplicateWebhookRoutes(store: store, secret: secret, progress: progress).add(to: router)
    var services: [any Service] = [progress, secret, estimates, spend]
    if config.jwksURL != nil { services.append(KeySetRefresher(authenticator: auth, interval: config.jwksRefresh)) }
    return (router, services)
}

/// Applies the database's migrations to `url` (its server directly, behind a pooler: the migrator holds a session's
/// advisory lock); returns the versions applied now.
package func migrateDatabase(_ url: DatabaseURL, logger: Logger) async throws -> [Int] {
    try await withPostgresClient(url.session, logger: logger) {
        try await Migrator(client: $0, migrations: databaseMigrations, logger: logger).migrate()
    }
}
