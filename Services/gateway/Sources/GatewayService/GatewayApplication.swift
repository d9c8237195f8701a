import Database
import Catalog
import Generations
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Builds the gateway: the public API, SSE fan-out from one LISTEN connection, stored files, health and metrics.
package func buildGateway(config: GatewayConfig, logger: Logger) async throws -> some ApplicationProtocol {
    // Notifications are published after each commit (see `withPublishedNotifications`), not held over the WAL flush.
    let client = PostgresClient(
        configuration: config.database.clientConfiguration(maxConnections: 30, deferNotifications: true), backgroundLogger: logger
    )
    let listener = NotificationListener(url: config.database, channel: "imagegen_generation_events", logger: logger)
    let store = GenerationStore(client: client, logger: logger)
    let hub = GenerationEventHub(listener: listener, logger: logger)
    let auth = try await UserAuthenticator(
        secret: config.jwtSecret, jwks: config.jwks, keySetURL: config.jwksURL, policy: config.tokenPolicy, logger: logger
    )
    let generations = GenerationRoutes(
        store: store, events: GenerationEvents(client: client, hub: hub, logger: logger), auth: auth,
        maxActivePerUser: config.maxActivePerUser, maxPriority: config.maxPriority, rateLimiter: RateLimiter(perMinute: config.ratePerMinute), logger: logger
    )
    let router = Router()
    router.add(middleware: FileHeadersMiddleware(svgInline: config.svgInline))
    router.add(middleware: FileMiddleware(config.storageDir, urlBasePath: "/files", searchForIndexHtml: false, logger: logger))
    addLivenessRoute(to: router)
    router.get("openapi.json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
    generations.add(to: router)
    LegacyRoutes(generations: generations).add(to: router)
    var services: [any Service] = []
    if config.replicateWebhookSecret != nil || config.replicateToken != nil {
        let secret = WebhookSecret(configured: config.replicateWebhookSecret, baseURL: config.replicateBaseURL, token: config.replicateToken)
        let progress = ReplicateProgressBuffer(store: store, logger: logger)
        ReplicateWebhookRoutes(store: store, secret: secret, progress: progress).add(to: router)
        services.append(progress)
    }
    var app = Application(
        router: router, configuration: .init(address: .hostname(config.http.host, port: config.http.port), serverName: "gateway"),
        logger: logger
    )
    // Readiness and metrics are for the platform, not the internet: they answer on the internal port only.
    let internalRouter = Router()
    addOperationalRoutes(to: internalRouter, checks: [client.readinessCheck], logger: logger)
    let internalApp = Application(
        router: internalRouter,
        configuration: .init(address: .hostname(config.http.host, port: config.internalPort), serverName: "gateway-internal"), logger: logger
    )
    app.addServices(client, listener, hub, internalApp)
    app.addServices(services)
    if config.jwksURL != nil { app.addServices(KeySetRefresher(authenticator: auth, interval: config.jwksRefresh)) }
    if config.migrateOnStart {
        app.beforeServerStarts { try await Migrator(client: client, migrations: databaseMigrations, logger: logger).migrate() }
    }
    return app
}

/// Applies the database's migrations to `url`; returns the versions applied now.
package func migrateDatabase(_ url: DatabaseURL, logger: Logger) async throws -> [Int] {
    try await withPostgresClient(url, logger: logger) { try await Migrator(client: $0, migrations: databaseMigrations, logger: logger).migrate() }
}
