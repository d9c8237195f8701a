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
            // The headers and the timestamp are checked before the body is read: an unsigned or stale caller costs nothing.
            guard let id = request.headers[.webhookID], let timestampText = request.headers[.webhookTimestamp],
                let signature = request.headers[.webhookSignature], let timestamp = Int(timestampText)
            else { throw Problem.unauthorized("Missing or malformed webhook-id, webhook-timestamp or webhook-signature") }
            guard abs(Date().timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
                throw Problem.unauthorized("webhook-timestamp is more than \(Int(tolerance)) s from now")
            }
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            guard WebhookSignature.verify(secret: try await secret.value(), id: id, timestamp: timestamp, body: bytes, signatureHeader: signature)
            else {
                // Replicate may have rotated the secret: look again (at most once a minute).
                secret.verificationFailed()
                throw Problem.unauthorized("webhook-signature does not match")
            }
            let prediction: Prediction
            do {
                prediction = try JSONDecoder().decode(Prediction.self, from: Data(bytes))
            } catch {
                throw Problem(.badRequest, title: "Malformed prediction", detail: "the body is not a Replicate prediction")
            }
            guard prediction.status.isTerminal else {
                if let percent = prediction.progressPercent { progress.record(prediction.id, progress: percent) }
                return Response(status: .ok)
            }
            switch try await store.apply(PredictionUpdate(webhookID: id, prediction: prediction), timings: progress.timings) {
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
