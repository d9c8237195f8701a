import Foundation
import Hummingbird
import JobContract
import Logging

/// Adds `POST /v1/jobs/<kind name>` behind the internal token: decodes the envelope the dispatcher pushed and answers
/// with the handler's ``JobOutcome``.
package func addJobRoute<Kind: JobKind>(
    to router: Router<BasicRequestContext>, kind: Kind.Type, token: String, logger: Logger,
    handler: @escaping @Sendable (JobEnvelope<Kind.Payload>.Job, Logger) async -> JobOutcome
) {
    // The tracing middleware continues the dispatcher's span: the handler runs in a server span of the job's trace.
    let jobs = router.group("v1/jobs").add(middleware: TracingMiddleware()).add(middleware: InternalTokenMiddleware(token: token))
    jobs.post(RouterPath(Kind.name)) { request, _ in
        let body = try await request.body.collect(upTo: 1 << 20)
        let envelope: JobEnvelope<Kind.Payload>
        do {
            envelope = try JobEnvelope.decode(Data(buffer: body))
        } catch {
            throw Problem(.badRequest, title: "Malformed job", detail: "the body is not a \(Kind.name) job envelope: \(error)")
        }
        var jobLogger = logger
        jobLogger[metadataKey: "job.id"] = "\(envelope.job.id.uuidString.lowercased())"
        jobLogger[metadataKey: "job.attempt"] = "\(envelope.job.attempt)"
        if let trace = request.headers[JobHeaders.traceparent] { jobLogger[metadataKey: "trace.parent"] = "\(trace)" }
        let (status, wait, answer) = await handler(envelope.job, jobLogger).response
        var headers: HTTPFields = [.contentType: status.kind == .successful ? "application/json" : "application/problem+json"]
        if let wait { headers.append(contentsOf: JobOutcome.waitHeaders(wait)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer)))
    }
}
