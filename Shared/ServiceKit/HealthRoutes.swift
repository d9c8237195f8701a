import Hummingbird
import Logging
import Prometheus
import WireFormat

/// The registry `/metrics` serves; executables bootstrap swift-metrics onto it once.
package let metricsRegistry = PrometheusCollectorRegistry()

/// A named dependency check run by `/health/ready`.
package struct ReadinessCheck: Sendable {
    package var name: String
    package var check: @Sendable () async throws -> Void
    package init(_ name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// Adds `/health/live`, answered by every service on every port it serves.
package func addLivenessRoute<Context: RequestContext>(to router: Router<Context>) {
    router.get("/health/live") { _, _ in
        try JSONCoding.response(["status": "live"])
    }
}

/// Adds `/health/live`, `/health/ready` and `/metrics`, answered by every service (the gateway on its internal port).
/// A failing check answers its name and `failed`; what failed goes to the log, never to the caller.
package func addOperationalRoutes<Context: RequestContext>(to router: Router<Context>, checks: [ReadinessCheck], logger: Logger) {
    addLivenessRoute(to: router)
    router.get("/health/ready") { _, _ in
        var results: [String: String] = [:]
        var ready = true
        for check in checks {
            do {
                try await check.check()
                results[check.name] = "ok"
            } catch {
                ready = false
                results[check.name] = "failed"
                logger.warning("Readiness check failed", metadata: ["check": "\(check.name)", "error": "\(String(reflecting: error))"])
            }
        }
        return try JSONCoding.response(
            ReadinessReport(status: ready ? "ready" : "unavailable", checks: results), status: ready ? .ok : .serviceUnavailable
        )
    }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metricsRegistry.emitToBuffer()))
        )
    }
}

/// The body of `/health/ready`.
struct ReadinessReport: Encodable {
    var status: String
    var checks: [String: String]
}
