import Foundation
import Hummingbird
import Metrics
import WireFormat

/// `imagegen_gateway_request_duration_seconds{route, method, status}`: every public request, by its route (`/v1/generations/:id`,
/// never the id itself), and `imagegen_gateway_rate_limited_total` for 429s.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let status: Int
        defer {
            let elapsed = ContinuousClock.now - started
            let route = context.endpointPath ?? "unmatched"
            Timer(
                label: MetricName.gatewayRequestDurationSeconds,
                dimensions: [("route", route), ("method", request.method.rawValue), ("status", String(status))],
                preferredDisplayUnit: .seconds
            ).recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
            if status == 429 { Counter(label: MetricName.gatewayRateLimitedTotal).increment() }
        }
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            throw error
        } catch {
            status = 500
            throw error
        }
    }
}
