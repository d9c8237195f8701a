import AsyncHTTPClient
import Foundation
import JobQueue
import NIOCore
import NIOHTTP1

/// How a push ended, per the internal contract.
enum PushResult: Sendable, Equatable {
    case done(result: String?)
    case permanent(String)
    case retry(String, after: Duration?)
}

/// POSTs a claimed job to the service that owns its type.
struct JobPusher: Sendable {
    let http: HTTPClient
    let routes: [String: String]
    let token: String
    let timeout: Duration

    func push(_ job: ClaimedJob) async -> PushResult {
        guard let base = routes[job.type] else { return .permanent("no route for job type '\(job.type)'") }
        guard let payloadObject = try? JSONSerialization.jsonObject(with: Data(job.payload.utf8)), payloadObject is [String: Any] else {
            return .permanent("payload is not a JSON object")
        }
        let body = """
            {"job":{"id":"\(job.id.uuidString.lowercased())","type":"\(job.type)","attempt":\(job.attempt),\
            "max_attempts":\(job.maxAttempts),"payload":\(job.payload)}}
            """
        var request = HTTPClientRequest(url: "\(base)/v1/jobs/\(job.type)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "X-Job-ID", value: job.id.uuidString.lowercased())
        request.headers.add(name: "X-Job-Attempt", value: String(job.attempt))
        request.headers.add(name: "traceparent", value: Self.traceparent(for: job))
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout.components.seconds * 1000)))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let text = String(buffer: bytes)
            let status = Int(response.status.code)
            switch status {
            case 200..<300:
                return .done(result: text.isEmpty ? nil : text)
            case 408, 429, 500...:
                let after = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
                return .retry("\(base) answered \(status): \(Self.detail(text))", after: after)
            default:
                return .permanent("\(base) answered \(status): \(Self.detail(text))")
            }
        } catch {
            return .retry("push to \(base) failed: \(error)", after: nil)
        }
    }

    /// The `detail` of a problem+json body, or the start of the text.
    static func detail(_ text: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let detail = object["detail"] as? String {
            return detail
        }
        return String(text.prefix(300))
    }

    /// A W3C trace context derived from the job id, so every attempt of a job shares one trace.
    static func traceparent(for job: ClaimedJob) -> String {
        let trace = job.id.uuidString.lowercased().filter { $0 != "-" }
        let span = String(UInt64(job.attempt) &* 0x9E37_79B9_7F4A_7C15 | 1, radix: 16)
        return "00-\(trace)-\(String(repeating: "0", count: 16 - span.count))\(span)-01"
    }
}
