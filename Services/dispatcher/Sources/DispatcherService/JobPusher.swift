import AsyncHTTPClient
import Foundation
import JobContract
import JobQueue
import NIOCore
import NIOHTTP1
import ServiceKit
import Tracing
import WireFormat

/// POSTs a claimed job to the service that owns its type and reads its answer back as a ``JobOutcome``.
struct JobPusher: Sendable {
    let http: HTTPClient
    let routes: [String: String]
    let token: String
    let timeout: Duration

    /// Pushes inside a span continuing the trace the job was enqueued in (the HTTP client sends its context as
    /// `traceparent`; without tracing, one derived from the job id is sent, so every attempt's logs share it).
    func push(_ job: ClaimedJob) async -> JobOutcome {
        await withSpan("push \(job.type)", context: TraceContext.context(continuing: job.traceContext), ofKind: .producer) { span in
            span.attributes["job.id"] = job.id.lowercase
            span.attributes["job.attempt"] = job.attempt
            let traced = TraceContext.headers(for: span.context)["traceparent"] != nil
            let outcome = await push(job, trace: traced ? nil : Self.traceparent(for: job))
            span.attributes["job.outcome"] = "\(outcome)"
            return outcome
        }
    }

    private func push(_ job: ClaimedJob, trace: String?) async -> JobOutcome {
        guard let base = routes[job.type] else { return .failed("no route for job type '\(job.type)'") }
        let body: Data
        do {
            let payload = try JSONDecoder().decode(JSONValue.self, from: Data(job.payload.utf8))
            guard case .object = payload else { return .failed("payload is not a JSON object") }
            body = try JobEnvelope(
                job: .init(id: job.id, type: job.type, attempt: job.attempt, maxAttempts: job.maxAttempts, failures: job.failures, payload: payload)
            )
            .encode()
        } catch {
            return .failed("payload is not JSON: \(error)")
        }
        var request = HTTPClientRequest(url: "\(base)/v1/jobs/\(job.type)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: JobHeaders.id.rawName, value: job.id.uuidString.lowercased())
        request.headers.add(name: JobHeaders.attempt.rawName, value: String(job.attempt))
        if let trace { request.headers.add(name: JobHeaders.traceparent.rawName, value: trace) }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout.milliseconds)))
            let answer = try await response.body.collect(upTo: 1 << 20)
            return JobOutcome(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                retryAfterMilliseconds: response.headers.first(name: JobHeaders.retryAfterMilliseconds.rawName), body: Data(buffer: answer),
                origin: base
            )
        } catch {
            return .retry("push to \(base) failed: \(error)", after: nil)
        }
    }

    /// A W3C trace context derived from the job id, so every attempt of a job shares one trace.
    static func traceparent(for job: ClaimedJob) -> String {
        let trace = job.id.uuidString.lowercased().filter { $0 != "-" }
        let span = String(UInt64(job.attempt) &* 0x9E37_79B9_7F4A_7C15 | 1, radix: 16)
        return "00-\(trace)-\(String(repeating: "0", count: 16 - span.count))\(span)-01"
    }
}
