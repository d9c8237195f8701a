import Foundation
import Hummingbird
import Logging

/// Adds `POST /v1/jobs/<type>` behind the internal token, mapping a handler's ``JobOutcome`` onto the internal contract.
package func addJobRoute<Payload: Codable & Sendable>(
    to router: Router<BasicRequestContext>, type: String, token: String, payload: Payload.Type, logger: Logger,
    handler: @escaping @Sendable (JobEnvelope<Payload>.Job, Logger) async -> JobOutcome
) {
    router.group("v1/jobs").add(middleware: InternalTokenMiddleware(token: token)).post(RouterPath(type)) { request, _ in
        let envelope = try await request.decodeJSON(JobEnvelope<Payload>.self)
        var jobLogger = logger
        jobLogger[metadataKey: "job.id"] = "\(envelope.job.id)"
        jobLogger[metadataKey: "job.attempt"] = "\(envelope.job.attempt)"
        switch await handler(envelope.job, jobLogger) {
        case .done(let result):
            return try JSONCoding.response(result)
        case .permanentFailure(let reason):
            throw Problem(.unprocessableContent, title: "Job failed", detail: reason)
        case .retryLater(let reason, let after):
            throw Problem(
                .serviceUnavailable, title: "Retry later", detail: reason,
                retryAfterSeconds: after.map { Int(($0.components.seconds) + ($0.components.attoseconds > 0 ? 1 : 0)) }
            )
        }
    }
}
