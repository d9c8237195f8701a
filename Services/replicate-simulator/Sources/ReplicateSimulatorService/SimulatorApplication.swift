import AsyncHTTPClient
import Catalog
import Foundation
import Hummingbird
import Logging
import ReplicateAPI
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Builds the Replicate simulator: Replicate's prediction API, model metadata, output files and admin controls.
package func buildSimulator(config: SimulatorConfig, logger: Logger) -> some ApplicationProtocol {
    let registry = PredictionRegistry(scenario: config.scenario)
    let publicURL = PublicURL(configured: config.publicURL)
    let webhooks = WebhookSender(registry: registry, secret: config.webhookSecret, baseURL: { publicURL.value }, logger: logger)
    let simulator = Simulator(registry: registry, publicURL: publicURL, webhooks: webhooks, secret: config.webhookSecret)
    let router = Router()
    addOperationalRoutes(to: router, checks: [], logger: logger)
    let api = router.group("v1").add(middleware: OutageMiddleware(registry: registry))
        .add(middleware: ReplicateAuthMiddleware(token: config.apiToken))
    simulator.addAPIRoutes(to: api)
    simulator.addFileRoutes(to: router)
    simulator.addAdminRoutes(to: router.group("_simulator"), initial: config.scenario)
    var app = Application(
        router: router, server: .guarded(config.http),
        configuration: .init(address: .hostname(config.http.host, port: config.http.port), serverName: "replicate-simulator"),
        onServerRunning: { channel in
            if config.publicURL.isEmpty, let port = channel.localAddress?.port { publicURL.set("http://127.0.0.1:\(port)") }
        },
        logger: logger
    )
    app.addServices(webhooks, RetentionSweeper(registry: registry))
    return app
}

/// The base URL of links the simulator hands out (known only once the port is bound when it is ephemeral).
final class PublicURL: Sendable {
    private let storage: Mutex<String>
    init(configured: String) { storage = Mutex(configured) }
    var value: String { storage.withLock { $0 } }
    func set(_ value: String) { storage.withLock { $0 = value } }
}

/// Evicts predictions past retention so memory stays bounded under load.
struct RetentionSweeper: Service {
    let registry: PredictionRegistry
    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
            } catch {
                return
            }
            _ = await registry.evict(now: Date())
        }
    }
}

/// Accepts `Authorization: Bearer <token>` and the legacy `Token <token>`.
struct ReplicateAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw ReplicateProblem.unauthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()), !parts[1].isEmpty else {
            throw ReplicateProblem.unauthenticated
        }
        if let token, !constantTimeEquals(String(parts[1]), token) { throw ReplicateProblem.unauthenticated }
        return try await next(request, context)
    }
}

/// While the scenario says `outage`, every API call answers 503, as Replicate does when it is down, with
/// `outage_retry_after` sent as it is as `Retry-After` (any text: faults include huge, negative and non-numeric values);
/// counted as `api.outage`.
struct OutageMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PredictionRegistry
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let scenario = await registry.scenario
        guard scenario.outage else { return try await next(request, context) }
        await registry.count("api.outage")
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter = scenario.outageRetryAfter { headers[.retryAfter] = retryAfter }
        let body = #"{"detail":"Simulated outage","status":503,"title":"Service Unavailable"}"#
        return Response(status: .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
