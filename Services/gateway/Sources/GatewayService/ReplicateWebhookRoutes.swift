import AsyncHTTPClient
import Foundation
import Generations
import Hummingbird
import ReplicateAPI
import ServiceKit
import Synchronization

/// `POST /v1/replicate/webhook`: Replicate's prediction updates, verified (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature` over the exact body, with the account's signing secret), refused when stale or replayed, then
/// applied to the generation that recorded the prediction through the same transitions a poll makes (progress gathered
/// and written in batches).
struct ReplicateWebhookRoutes: Sendable {
    let store: GenerationStore
    let secret: WebhookSecret
    let progress: ReplicateProgressBuffer
    /// How far a `webhook-timestamp` may be from now.
    var tolerance: TimeInterval = 300

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/replicate/webhook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            guard let id = request.headers[.webhookID], let timestampText = request.headers[.webhookTimestamp],
                  let signature = request.headers[.webhookSignature], let timestamp = Int(timestampText)
            else { throw Problem.unauthorized("Missing or malformed webhook-id, webhook-timestamp or webhook-signature") }
            guard abs(Date().timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
                throw Problem.unauthorized("webhook-timestamp is more than \(Int(tolerance)) s from now")
            }
            guard WebhookSignature.verify(secret: try await secret.value(), id: id, timestamp: timestamp, body: bytes, signatureHeader: signature)
            else { throw Problem.unauthorized("webhook-signature does not match") }
            let prediction: Prediction
            do {
                prediction = try JSONDecoder().decode(Prediction.self, from: Data(bytes))
            } catch {
                throw Problem(.badRequest, title: "Malformed prediction", detail: "the body is not a Replicate prediction")
            }
            let update = PredictionUpdate(
                webhookID: id, predictionID: prediction.id, status: prediction.status.rawValue, progress: prediction.progressPercent,
                outputs: prediction.outputURLs, predictTime: prediction.metrics?.predictTime, error: prediction.error
            )
            guard update.isTerminal else {
                if let percent = update.progress { progress.record(update.predictionID, progress: percent) }
                return Response(status: .ok)
            }
            switch try await store.apply(update) {
            case .applied:
                return Response(status: .ok)
            case .replayed:
                throw Problem.unauthorized("webhook-id \(id) was applied before")
            case .unknownPrediction:
                // Replicate retries a terminal webhook; by then the prediction's id is recorded.
                throw Problem.notFound("Prediction \(prediction.id)")
            }
        }
    }
}

/// Replicate's webhook signing secret: `REPLICATE_WEBHOOK_SECRET`, or fetched once from the account
/// (`GET /v1/webhooks/default/secret`) when first needed, and kept.
final class WebhookSecret: Sendable {
    private let configured: String?
    private let baseURL: String
    private let token: String?
    private let fetched = Mutex<String?>(nil)

    init(configured: String?, baseURL: String, token: String?) {
        self.configured = configured
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
    }

    func value() async throws -> String {
        if let configured { return configured }
        if let known = fetched.withLock({ $0 }) { return known }
        guard let token else { throw Problem(.serviceUnavailable, detail: "no webhook secret is configured") }
        var request = HTTPClientRequest(url: "\(baseURL)/v1/webhooks/default/secret")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        struct Secret: Decodable { var key: String }
        let key = try JSONDecoder().decode(Secret.self, from: Data(buffer: try await response.body.collect(upTo: 1 << 16))).key
        fetched.withLock { $0 = key }
        return key
    }
}
