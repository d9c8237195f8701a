import Hummingbird
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

/// Adds `/health/live`, `/health/ready` and `/metrics`, answered by every service.
package func addOperationalRoutes<Context: RequestContext>(to router: Router<Context>, checks: [ReadinessCheck]) {
    router.get("/health/live") { _, _ in
        try JSONCoding.response(["status": "live"])
    }
    router.get("/health/ready") { _, _ in
        var results: [String: String] = [:]
        var ready = true
        for check in checks {
            do {
                try await check.check()
                results[check.name] = "ok"
            } catch {
                ready = false
                results[check.name] = "\(error)"
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
