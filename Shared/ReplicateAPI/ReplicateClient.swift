import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Tracing
import WireFormat

/// A failed call to Replicate.
package enum ReplicateError: Error, CustomStringConvertible, Sendable {
    /// Replicate answered with an HTTP error: its status, `detail` and (for 429) how long to wait.
    case api(status: Int, detail: String, retryAfter: Duration?)
    /// The call did not complete (connect, timeout, malformed response).
    case transport(String)

    /// 408, 429, 5xx and transport failures may succeed later; other 4xx will not.
    package var isRetryable: Bool {
        switch self {
        case .api(let status, _, _): status == 408 || status == 429 || status >= 500
        case .transport: true
        }
    }

    /// Replicate itself is failing (5xx, 408, no answer), as opposed to answering for the call (a 429 or another 4xx).
    package var isOutage: Bool {
        switch self {
        case .api(let status, _, _): status == 408 || status >= 500
        case .transport: true
        }
    }

    /// How long Replicate asked the caller to wait, if it did.
    package var retryAfter: Duration? {
        if case .api(_, _, let retryAfter) = self { retryAfter } else { nil }
    }

    package var description: String {
        switch self {
        case .api(let status, let detail, _): "Replicate answered \(status): \(detail)"
        case .transport(let message): "Replicate unreachable: \(message)"
        }
    }
}

/// A prediction with the rate-limit state Replicate reported alongside it.
package struct PredictionResponse: Sendable {
    package var prediction: Prediction
    /// `ratelimit-remaining`, when sent.
    package var rateLimitRemaining: Int?
    /// `ratelimit-reset`, when sent (clamped: see ``ReplicateClient/wait(seconds:)``).
    package var rateLimitReset: Duration?
}

/// The prediction endpoints the generator needs; the live client speaks HTTP, tests may substitute their own.
package protocol PredictionsAPI: Sendable {
    /// Creates a prediction of an official model (`version == nil`) or of a model version, holding up to `wait` seconds;
    /// with `webhook`, Replicate posts the updates it names there.
    /// Creates a prediction; `cancelAfter` (seconds) has Replicate cancel it by itself then (its `Cancel-After`).
    func create(
        model: String, version: String?, input: [String: JSONValue], wait: Int?, webhook: PredictionWebhook?, cancelAfter: Double?
    ) async throws -> PredictionResponse
    /// The current state of prediction `id`.
    func get(_ id: String) async throws -> PredictionResponse
    /// Cancels prediction `id`.
    func cancel(_ id: String) async throws -> PredictionResponse
    /// A page of the account's predictions, newest first: the first page for `next == nil`, else the page at `next`.
    func list(next: String?) async throws -> PredictionPage
}

/// Where Replicate posts a prediction's updates (`webhook`) and which (`webhook_events_filter`: `start`, `output`,
/// `logs`, `completed`).
package struct PredictionWebhook: Sendable, Equatable {
    package var url: String
    package var events: [String]

    package static let eventNames: Set<String> = ["start", "output", "logs", "completed"]

    package init(url: String, events: [String] = ["start", "logs", "completed"]) {
        self.url = url
        self.events = events
    }
}

/// One page of `GET /v1/predictions`; `next` is Replicate's absolute URL of the following (older) page.
package struct PredictionPage: Sendable, Decodable {
    package var results: [Prediction]
    package var next: String?
}

/// Replicate's HTTP API over AsyncHTTPClient. `baseURL` has no `/v1`, like the official clients' `REPLICATE_BASE_URL`.
package struct ReplicateClient: PredictionsAPI {
    let http: HTTPClient
    let baseURL: String
    let token: String
    let timeout: TimeAmount

    package init(http: HTTPClient, baseURL: String, token: String, timeout: Duration = .seconds(75)) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
    }

    package func create(
        model: String, version: String?, input: [String: JSONValue], wait: Int?, webhook: PredictionWebhook?, cancelAfter: Double?
    ) async throws -> PredictionResponse {
        struct Body: Encodable {
            var version: String?
            var input: [String: JSONValue]
            var webhook: String?
            var webhookEventsFilter: [String]?
            enum CodingKeys: String, CodingKey {
                case version, input, webhook
                case webhookEventsFilter = "webhook_events_filter"
            }
        }
        let path = version == nil ? "/v1/models/\(model)/predictions" : "/v1/predictions"
        let body = Body(
            version: version.map { "\(model):\($0)" }, input: input, webhook: webhook?.url, webhookEventsFilter: webhook?.events
        )
        let bytes: Data
        do { bytes = try JSONEncoder().encode(body) } catch { throw ReplicateError.transport("could not encode input: \(error)") }
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if let wait { headers.append(("Prefer", "wait=\(min(max(wait, 1), 60))")) }
        if let cancelAfter { headers.append(("Cancel-After", GoDuration.format(seconds: cancelAfter))) }
        return try await send(.POST, path, body: bytes, headers: headers)
    }

    package func get(_ id: String) async throws -> PredictionResponse {
        try await send(.GET, "/v1/predictions/\(id)")
    }

    package func cancel(_ id: String) async throws -> PredictionResponse {
        try await send(.POST, "/v1/predictions/\(id)/cancel")
    }

    package func list(next: String?) async throws -> PredictionPage {
        var path = "/v1/predictions"
        if let next {
            // Follow pages of this API only, so the token is never sent to another host.
            guard next.hasPrefix(baseURL + "/") else { throw ReplicateError.transport("not following a page outside \(baseURL): \(next)") }
            path = String(next.dropFirst(baseURL.count))
        }
        let (data, _) = try await fetch(.GET, path)
        do {
            return try JSONDecoder().decode(PredictionPage.self, from: data)
        } catch {
            throw ReplicateError.transport("malformed page from GET \(path): \(error)")
        }
    }

    private func send(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = []
    ) async throws -> PredictionResponse {
        let (data, responseHeaders) = try await fetch(method, path, body: body, headers: headers)
        do {
            let prediction = try JSONDecoder().decode(Prediction.self, from: data)
            return PredictionResponse(
                prediction: prediction,
                rateLimitRemaining: responseHeaders.first(name: "ratelimit-remaining").flatMap { Int($0) },
                rateLimitReset: Self.wait(seconds: responseHeaders.first(name: "ratelimit-reset").flatMap { Double($0) })
            )
        } catch {
            throw ReplicateError.transport("malformed prediction from \(method) \(path): \(error)")
        }
    }

    /// The body and headers of a 2xx answer; any other status is thrown as Replicate's problem. Each call is a client
    /// span of the current trace (`replicate create`, `replicate get`, …).
    private func fetch(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = []
    ) async throws -> (Data, HTTPHeaders) {
        try await withSpan("replicate \(Self.endpoint(method, path))", ofKind: .client) { span in
            span.attributes["http.request.method"] = "\(method)"
            span.attributes["url.path"] = path
            return try await fetch(method, path, body: body, headers: headers, span: span)
        }
    }

    private func fetch(
        _ method: HTTPMethod, _ path: String, body: Data?, headers: [(String, String)], span: any Span
    ) async throws -> (Data, HTTPHeaders) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "User-Agent", value: "imagegen-generator/1.0")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let status: Int
        let responseHeaders: HTTPHeaders
        let payload: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            responseHeaders = response.headers
            payload = try await response.body.collect(upTo: 8 << 20)
        } catch {
            Self.count(method, path, status: "transport")
            throw ReplicateError.transport("\(method) \(path): \(error)")
        }
        Self.count(method, path, status: String(status))
        span.attributes["http.response.status_code"] = status
        let data = Data(payload.readableBytesView)
        guard (200..<300).contains(status) else {
            struct Problem: Decodable {
                var detail: String?
                var title: String?
                var retryAfter: Double?
                enum CodingKeys: String, CodingKey {
                    case detail, title
                    case retryAfter = "retry_after"
                }
            }
            let problem = try? JSONDecoder().decode(Problem.self, from: data)
            let retryAfter = problem?.retryAfter ?? responseHeaders.first(name: "Retry-After").flatMap(Double.init)
            let detail = problem?.detail ?? problem?.title ?? String(decoding: data.prefix(500), as: UTF8.self)
            throw ReplicateError.api(status: status, detail: detail, retryAfter: Self.wait(seconds: retryAfter))
        }
        return (data, responseHeaders)
    }

    /// The longest wait Replicate may ask for (`Retry-After`, `retry_after`, `ratelimit-reset`); longer asks are read as it.
    package static let longestWait = 3600.0

    /// A wait Replicate asked for, in seconds: nil when it is not a number, else clamped to 0…``longestWait`` (a huge,
    /// negative or non-finite value must not trap the process or park a job for ever).
    package static func wait(seconds: Double?) -> Duration? {
        guard let seconds, !seconds.isNaN else { return nil }
        return .milliseconds(Int64(min(max(seconds, 0), longestWait) * 1000))
    }

    /// Counts one call in `imagegen_generator_replicate_calls_total{endpoint, status}` (status: the HTTP code, or
    /// `transport` when no answer came).
    private static func count(_ method: HTTPMethod, _ path: String, status: String) {
        Counter(label: MetricName.generatorReplicateCallsTotal, dimensions: [("endpoint", endpoint(method, path)), ("status", status)])
            .increment()
    }

    private static func endpoint(_ method: HTTPMethod, _ path: String) -> String {
        if path.hasSuffix("/cancel") {
            "cancel"
        } else if method == .POST {
            "create"
        } else if path.hasPrefix("/v1/predictions/") {
            "get"
        } else if path.hasPrefix("/v1/predictions") {
            "list"
        } else {
            "other"
        }
    }
}
