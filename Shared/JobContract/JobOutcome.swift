import Foundation
import HTTPTypes
import WireFormat

/// What became of one push, in both directions of the internal contract: the owning service answers with
/// ``response`` and the dispatcher reads the answer back with ``init(status:retryAfter:body:origin:)``.
///
/// 202 = snooze (the work goes on elsewhere, at Replicate: deliver the job again after `Retry-After`, without spending an
/// attempt); any other 2xx = done (the body, a JSON object, is the job's result); 408, 429 and 5xx = retry later
/// (honouring `Retry-After`); any other status = permanent failure. A failure's reason travels as a problem+json `detail`.
/// A wait travels twice: `Retry-After` in whole seconds for any HTTP reader, and `X-Job-Retry-After-Ms` exactly, which
/// the dispatcher prefers (a poll due in 1.75 s, or the create slot a shared budget promised, is not rounded to 2 s).
package enum JobOutcome: Sendable, Equatable {
    case done(result: JSONValue?)
    case snooze(after: Duration)
    case failed(String)
    case retry(String, after: Duration?)

    /// The HTTP answer for this outcome: status, the wait when told (see ``waitHeaders(_:)``), and the body.
    package var response: (status: HTTPResponse.Status, wait: Duration?, body: Data) {
        switch self {
        case .done(let result):
            return (.ok, nil, (try? JSONCoding.encoder().encode(result ?? .object([:]))) ?? Data("{}".utf8))
        case .snooze(let after):
            return (.accepted, after, Data("{}".utf8))
        case .failed(let reason):
            return (.unprocessableContent, nil, Self.problem(title: "Job failed", status: 422, detail: reason))
        case .retry(let reason, let after):
            return (.serviceUnavailable, after, Self.problem(title: "Retry later", status: 503, detail: reason))
        }
    }

    /// The headers that carry a wait: `Retry-After` in whole seconds (rounded up, at least 1) and
    /// `X-Job-Retry-After-Ms` in whole milliseconds (rounded up).
    package static func waitHeaders(_ wait: Duration) -> HTTPFields {
        let milliseconds = max(0, wait.milliseconds.rounded(.up))
        return [.retryAfter: String(max(1, Int((milliseconds / 1000).rounded(.up)))), JobHeaders.retryAfterMilliseconds: String(Int(milliseconds))]
    }

    /// The outcome an answer means, from its status, its two wait headers and its body; `origin` names the service in
    /// reasons. An exact wait is at least 50 ms (the dispatcher's timer resolution), so a service answering "again now"
    /// over and over cannot spin a job.
    package init(status: Int, retryAfter: String?, retryAfterMilliseconds: String? = nil, body: Data, origin: String) {
        let wait: Duration? =
            if let milliseconds = retryAfterMilliseconds.flatMap(Int64.init), milliseconds >= 0 { .milliseconds(max(milliseconds, 50)) } else {
                retryAfter.flatMap(Int64.init).map { .seconds($0) }
            }
        switch status {
        case 202:
            self = .snooze(after: wait ?? .seconds(1))
        case 200..<300:
            let result = try? JSONDecoder().decode(JSONValue.self, from: body)
            if case .object? = result { self = .done(result: result) } else { self = .done(result: nil) }
        case 408, 429, 500...:
            self = .retry("\(origin) answered \(status): \(Self.detail(body))", after: wait)
        default:
            self = .failed("\(origin) answered \(status): \(Self.detail(body))")
        }
    }

    private static func problem(title: String, status: Int, detail: String) -> Data {
        (try? JSONCoding.encoder().encode(ProblemDetails(title: title, status: status, detail: detail))) ?? Data()
    }

    /// The `detail` of a problem+json body, or the start of the text.
    private static func detail(_ body: Data) -> String {
        if let detail = (try? JSONDecoder().decode(ProblemDetails.self, from: body))?.detail { return detail }
        return String(String(decoding: body, as: UTF8.self).prefix(300))
    }
}
