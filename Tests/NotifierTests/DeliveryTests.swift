import Catalog
import Foundation
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobContract
import NIOCore
import NotifierService
import PostgresNIO
import PublicAPI
import ReplicateAPI
import Synchronization
import TestSupport
import Testing
import WireFormat

/// The notifier's delivery of one event, over a real PostgreSQL and to a real receiver on loopback (an allowed
/// development origin): signed as Standard Webhooks says, recorded, and each kind of answer handled.
@Suite("Webhook delivery")
struct DeliveryTests {
    /// What the receiver saw, and what it answers next.
    final class Receiver: Sendable {
        let seen = Mutex<[(headers: HTTPFields, body: Data)]>([])
        let answer = Mutex<(status: HTTPResponse.Status, retryAfter: String?)>((.ok, nil))
    }

    func withNotifier(_ body: @Sendable (any TestClientProtocol, PostgresClient, Receiver, String) async throws -> Void) async throws {
        let receiver = Receiver()
        let router = Router()
        router.post("hook") { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            receiver.seen.withLock { $0.append((request.headers, Data(buffer: bytes))) }
            let (status, retryAfter) = receiver.answer.withLock { $0 }
            var headers = HTTPFields()
            if let retryAfter { headers[.retryAfter] = retryAfter }
            return Response(status: status, headers: headers)
        }
        try await Application(router: router).test(.live) { origin in
            let hook = "http://127.0.0.1:\(origin.port!)"
            try await TestDatabase.withClient { database, url in
                let config = try NotifierConfig(environment: [
                    "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
                    "INTERNAL_TOKEN": TestSecrets.internalToken, "FILES_URL_SECRET": TestSecrets.internalToken, "WEBHOOK_ALLOWED_ORIGINS": hook,
                ])
                try await buildNotifier(config: config, logger: TestDatabase.logger).test(.router) { notifier in
                    try await body(notifier, database, receiver, hook + "/hook")
                }
            }
        }
    }

    /// A completed generation of a new user with `webhook`; its id and user.
    func generation(_ database: PostgresClient, webhook: String) async throws -> (id: UUID, user: UUID) {
        let id = try await insertGeneration(database, status: "queued")
        try await database.query("UPDATE image_generations SET webhook = \(webhook), webhook_events_filter = ARRAY['completed'] WHERE id = \(id)")
        try await database.query("UPDATE image_generations SET status = 'cancelled', completed_at = now() WHERE id = \(id)")
        let user = try await scalar(database, "SELECT user_id FROM image_generations WHERE id = \(id)", as: UUID.self)
        return (id, user)
    }

    func deliver(_ notifier: any TestClientProtocol, _ generation: (id: UUID, user: UUID), job: UUID = UUID(), attempt: Int = 1) async throws
        -> TestResponse
    {
        let payload = DeliverWebhook.Payload(generationId: generation.id, userId: generation.user, event: "completed", receiver: nil)
        let body = try JobEnvelope(job: .init(id: job, type: DeliverWebhook.name, attempt: attempt, maxAttempts: 22, payload: payload)).encode()
        return try await notifier.execute(
            uri: "/v1/jobs/\(DeliverWebhook.name)", method: .post,
            headers: [.authorization: "Bearer \(TestSecrets.internalToken)", .contentType: "application/json"], body: ByteBuffer(data: body)
        )
    }

    @Test("A 2xx answer delivers: signed with the user's secret under the job's stable webhook-id, and recorded")
    func delivered() async throws {
        try await withNotifier { notifier, database, receiver, hook in
            let generation = try await generation(database, webhook: hook)
            let job = UUID()
            #expect(try await deliver(notifier, generation, job: job).status == .ok)
            let (headers, body) = try #require(receiver.seen.withLock { $0.first })
            let id = try #require(headers[HTTPField.Name("webhook-id")!])
            #expect(id == "msg_" + job.lowercase.replacingOccurrences(of: "-", with: ""))
            let secret = try await GenerationStore(client: database, logger: TestDatabase.logger).webhookSecrets(
                for: generation.user, candidate: "unused")
            let timestamp = try #require(headers[HTTPField.Name("webhook-timestamp")!].flatMap { Int($0) })
            #expect(
                WebhookSignature.verify(
                    secret: secret.current, id: id, timestamp: timestamp, body: Array(body),
                    signatureHeader: headers[HTTPField.Name("webhook-signature")!] ?? "")
            )
            let event = try JSONDecoder().decode([String: JSONValue].self, from: body)
            #expect(event["type"] == .string("generation.completed"))
            try await eventually("the attempt to be recorded") {
                try await scalar(
                    database, "SELECT count(*)::int8 FROM webhook_deliveries WHERE generation_id = \(generation.id) AND status_code = 200",
                    as: Int.self) == 1
            }
        }
    }

    @Test("A 5xx answer is retried later, not sooner than the receiver's Retry-After; 410 stops the generation's webhooks")
    func retriedOrStopped() async throws {
        try await withNotifier { notifier, database, receiver, hook in
            let generation = try await generation(database, webhook: hook)
            receiver.answer.withLock { $0 = (.serviceUnavailable, "120") }
            let retried = try await deliver(notifier, generation)
            #expect(retried.status == .serviceUnavailable)
            #expect(retried.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 120 } == true, "\(retried.headers)")
            receiver.answer.withLock { $0 = (.gone, nil) }
            #expect(try await deliver(notifier, generation, attempt: 2).status == .ok)
            let disabled = try await scalar(
                database, "SELECT webhook_disabled_at IS NOT NULL FROM image_generations WHERE id = \(generation.id)", as: Bool.self)
            #expect(disabled)
            let seen = receiver.seen.withLock { $0.count }
            #expect(try await deliver(notifier, generation, attempt: 3).status == .ok)
            #expect(receiver.seen.withLock { $0.count } == seen, "a stopped webhook is not posted to again")
        }
    }

    @Test("A batch's last item finishing enqueues one batch.completed, posted with the batch's counts, signed, recorded against the batch")
    func batchCompleted() async throws {
        try await withNotifier { notifier, database, receiver, hook in
            let batches = BatchStore(client: database, logger: TestDatabase.logger)
            let user = UUID()
            let request = try GenerationRequest.validate(["prompt": "x", "model_id": "black-forest-labs/flux-schnell"])
            let (id, _) = try await batches.create(
                [request, request], userID: user, webhook: hook, monthlyBudget: nil, idempotencyKey: nil, requestHash: "h")
            // Nothing until its last item finishes.
            #expect(try await scalar(database, "SELECT count(*)::int8 FROM job_queue WHERE job_type = 'deliver-webhook'", as: Int.self) == 0)
            #expect(try await batches.cancel(id, userID: user) == 2)
            let payloadText = try await scalar(
                database, "SELECT payload::text FROM job_queue WHERE dedupe_key = \("webhook:batch:" + id.lowercase)", as: String.self)
            let payload = try JSONCoding.decoder().decode(DeliverWebhook.Payload.self, from: Data(payloadText.utf8))
            #expect(payload.batchId == id && payload.generationId == nil && payload.event == "batch.completed")
            let body = try JobEnvelope(job: .init(id: UUID(), type: DeliverWebhook.name, attempt: 1, maxAttempts: 22, payload: payload)).encode()
            let answer = try await notifier.execute(
                uri: "/v1/jobs/\(DeliverWebhook.name)", method: .post,
                headers: [.authorization: "Bearer \(TestSecrets.internalToken)", .contentType: "application/json"], body: ByteBuffer(data: body))
            #expect(answer.status == .ok)
            let (headers, posted) = try #require(receiver.seen.withLock { $0.first })
            let event = try JSONCoding.decoder().decode(WebhookEvent<BatchBody>.self, from: posted)
            #expect(
                event.type == "batch.completed" && event.subject.id == id && event.subject.counts.cancelled == 2 && event.subject.status == .cancelled
            )
            let secret = try await GenerationStore(client: database, logger: TestDatabase.logger).webhookSecrets(for: user, candidate: "unused")
            let timestamp = try #require(headers[HTTPField.Name("webhook-timestamp")!].flatMap { Int($0) })
            #expect(
                WebhookSignature.verify(
                    secret: secret.current, id: headers[HTTPField.Name("webhook-id")!] ?? "", timestamp: timestamp, body: Array(posted),
                    signatureHeader: headers[HTTPField.Name("webhook-signature")!] ?? ""))
            try await eventually("the attempt to be recorded against the batch") {
                try await scalar(
                    database, "SELECT count(*)::int8 FROM webhook_deliveries WHERE batch_id = \(id) AND status_code = 200", as: Int.self) == 1
            }
        }
    }

    @Test(
        "A budget.threshold goes to the user's account webhook, signed, with the crossing's figures, recorded against the user; 410 removes the webhook"
    )
    func budgetThreshold() async throws {
        try await withNotifier { notifier, database, receiver, hook in
            let alerts = BudgetAlertStore(client: database, logger: TestDatabase.logger)
            let user = UUID()
            _ = try await alerts.setWebhook(hook, for: user)
            try await database.query("INSERT INTO generation_slots (user_id, spent_usd, monthly_budget_usd) VALUES (\(user), 8.5, 10)")
            #expect(try await alerts.raiseCrossed(defaultBudget: nil) == 2)
            #expect(try await alerts.raiseCrossed(defaultBudget: nil) == 0, "each crossing once")
            func run(threshold: Int) async throws -> HTTPResponse.Status {
                let text = try await scalar(
                    database, "SELECT payload::text FROM job_queue WHERE dedupe_key LIKE \("webhook:budget:%:\(threshold)")", as: String.self)
                let payload = try JSONCoding.decoder().decode(DeliverWebhook.Payload.self, from: Data(text.utf8))
                #expect(payload.userId == user && payload.event == "budget.threshold" && payload.threshold == threshold)
                let body = try JobEnvelope(job: .init(id: UUID(), type: DeliverWebhook.name, attempt: 1, maxAttempts: 22, payload: payload)).encode()
                return try await notifier.execute(
                    uri: "/v1/jobs/\(DeliverWebhook.name)", method: .post,
                    headers: [.authorization: "Bearer \(TestSecrets.internalToken)", .contentType: "application/json"], body: ByteBuffer(data: body)
                ).status
            }
            #expect(try await run(threshold: 80) == .ok)
            let (headers, posted) = try #require(receiver.seen.withLock { $0.first })
            let event = try JSONCoding.decoder().decode(WebhookEvent<BudgetThresholdBody>.self, from: posted)
            #expect(event.type == "budget.threshold" && event.subject.userId == user && event.subject.thresholdPercent == 80)
            #expect(event.subject.budgetUsd == 10 && event.subject.spentUsd == 8.5)
            let secret = try await GenerationStore(client: database, logger: TestDatabase.logger).webhookSecrets(for: user, candidate: "unused")
            let timestamp = try #require(headers[HTTPField.Name("webhook-timestamp")!].flatMap { Int($0) })
            #expect(
                WebhookSignature.verify(
                    secret: secret.current, id: headers[HTTPField.Name("webhook-id")!] ?? "", timestamp: timestamp, body: Array(posted),
                    signatureHeader: headers[HTTPField.Name("webhook-signature")!] ?? ""))
            try await eventually("the attempt to be listed with the account webhook") {
                try await alerts.webhook(of: user)?.deliveries.map(\.statusCode) == [200]
            }
            // The receiver is gone: the webhook is removed, and later crossings have nowhere to go.
            receiver.answer.withLock { $0 = (.gone, nil) }
            #expect(try await run(threshold: 50) == .ok)
            #expect(try await alerts.webhook(of: user) == nil)
        }
    }
}
