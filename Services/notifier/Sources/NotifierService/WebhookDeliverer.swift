import Catalog
import Database
import Foundation
import Generations
import JobContract
import JobQueue
import Logging
import Metrics
import PublicAPI
import ReplicateAPI
import SafeHTTP
import Storage
import WireFormat

/// Delivers one event of a generation to its webhook, signed per the Standard Webhooks specification: `webhook-id` (the
/// job's id, stable across retries), `webhook-timestamp`, and `webhook-signature` with one `v1,<base64>` per secret that
/// signs now (the user's current one, and a rotated-out one for a day). 2xx is delivered; 410 stops the generation's
/// webhooks; anything else, or no answer within the timeout, is retried with exponential backoff and jitter (at least
/// the receiver's `Retry-After`) for about 17 hours, then dead-lettered; the generation itself is never failed by it.
struct WebhookDeliverer: Sendable {
    let fetcher: SafeFetcher
    let store: GenerationStore
    /// What a delivery needs, read for many at once (``GenerationStore/webhookDeliveryContexts(of:candidate:)``).
    let contexts: Batcher<UUID, WebhookDeliveryContext?>
    /// Where attempts are recorded, many at once (``GenerationStore/recordDeliveries(_:)``).
    let attempts: Batcher<Recorded, Void>
    let limiter: HostLimiter
    /// Development origins a webhook may name besides public https hosts (`WEBHOOK_ALLOWED_ORIGINS`).
    let allowedOrigins: Set<String>
    /// How images' links in the bodies are made (as the gateway makes them, so a body equals a GET of the generation).
    let links: FileLinks

    typealias Recorded = (WebhookDeliveryAttempt, subject: WebhookSubject)
    /// The batches a `batch.completed` delivery reads.
    let batches: BatchStore
    /// The crossings and account webhooks a `budget.threshold` delivery reads.
    let budgetAlerts: BudgetAlertStore

    /// What one delivery posts, where, signed with what, and what a 410 stops.
    private struct Target {
        var url: String
        var body: Data
        var secrets: WebhookSecrets
        var subject: WebhookSubject
    }

    func run(_ job: JobEnvelope<DeliverWebhook.Payload>.Job, logger: Logger) async -> JobOutcome {
        do {
            guard let target = try await target(of: job.payload) else { return .done(result: ["outcome": "no webhook"]) }
            return try await deliver(job, to: target)
        } catch let outcome as Skipped {
            return .done(result: ["outcome": .string(outcome.reason)])
        } catch {
            // The database: the dispatcher retries with its own backoff.
            logger.warning("Delivery could not run", metadata: ["error": "\(error)"])
            return .retry("the notifier could not read or record the delivery: \(error)", after: nil)
        }
    }

    /// A delivery that has nothing to post (its webhook was stopped).
    private struct Skipped: Error {
        var reason: String
    }

    /// The delivery's target: its generation's event, its batch's `batch.completed`, or its user's `budget.threshold`;
    /// nil when there is no webhook.
    private func target(of payload: DeliverWebhook.Payload) async throws -> Target? {
        if let month = payload.month, let threshold = payload.threshold {
            guard let (event, url) = try await budgetAlerts.event(user: payload.userId, month: month, threshold: threshold) else { return nil }
            let body = try JSONCoding.encoder().encode(WebhookEvent(type: payload.event, timestamp: Date(), subject: event))
            let secrets = try await store.webhookSecrets(for: payload.userId, candidate: WebhookSecrets.make())
            return Target(url: url, body: body, secrets: secrets, subject: .account(payload.userId))
        }
        if let batchID = payload.batchId {
            guard let batch = try await batches.find(batchID, userID: payload.userId), let url = batch.webhook else { return nil }
            let body = try JSONCoding.encoder().encode(WebhookEvent(type: payload.event, timestamp: Date(), subject: batch.body()))
            let secrets = try await store.webhookSecrets(for: payload.userId, candidate: WebhookSecrets.make())
            return Target(url: url, body: body, secrets: secrets, subject: .batch(batchID))
        }
        guard let generationID = payload.generationId, let context = try await contexts.submit(generationID),
            context.generation.userId == payload.userId, let url = context.generation.webhook
        else { return nil }
        if context.disabled { throw Skipped(reason: "disabled") }
        let body = try JSONCoding.encoder().encode(
            WebhookEvent(
                type: "generation.\(payload.event)", timestamp: Date(), subject: context.generation.body(images: context.images, links: links))
        )
        return Target(url: url, body: body, secrets: context.secrets, subject: .generation(generationID))
    }

    /// Posts `target`, signed, within the receiver's slots; records the attempt and decides what comes next.
    private func deliver(_ job: JobEnvelope<DeliverWebhook.Payload>.Job, to target: Target) async throws -> JobOutcome {
        let payload = job.payload
        let url = target.url
        if let problem = WebhookTarget.problem(url, allowedOrigins: allowedOrigins) {
            return try await finish(
                job, target, status: nil, error: "webhook \(problem)", started: .now, outcome: .failed("webhook \(problem)"))
        }
        let receiver = URL(string: url).flatMap(WebhookTarget.origin) ?? url
        // A receiver with all its slots busy: its turn comes here soon, or the delivery goes back to the queue for
        // later without spending an attempt (see HostLimiter).
        if case .snooze(let delay) = await limiter.admit(receiver) { return .snooze(after: delay) }
        let admitted = ContinuousClock.now
        defer {
            if limiter.release(receiver, after: .now - admitted), let waiting = payload.receiver {
                Task { [store] in _ = try? await store.wakeDelivery(to: waiting) }
            }
        }
        let id = Self.webhookID(job)
        let timestamp = Int(Date().timeIntervalSince1970)
        let signature = target.secrets.signing.compactMap {
            WebhookSignature.sign(secret: $0, id: id, timestamp: timestamp, body: Array(target.body))
        }
        .joined(separator: " ")
        let started = ContinuousClock.now
        do {
            let answer = try await fetcher.post(
                url,
                headers: [
                    ("Content-Type", "application/json"), ("User-Agent", "imagegen-notifier"), ("webhook-id", id),
                    ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature),
                ],
                body: Array(target.body)
            )
            switch answer.status {
            case 200..<300:
                return try await finish(
                    job, target, status: answer.status, error: nil, started: started, outcome: .done(result: ["outcome": "delivered"]))
            case 410:
                switch target.subject {
                case .generation(let generation): try await store.disableWebhook(of: generation)
                case .batch(let batch): try await store.disableBatchWebhook(of: batch)
                case .account(let user): try await budgetAlerts.deleteWebhook(of: user)
                }
                return try await finish(
                    job, target, status: 410, error: "the receiver answered 410 Gone: these webhooks stopped", started: started,
                    outcome: .done(result: ["outcome": "gone"])
                )
            default:
                let delay = DeliverWebhook.delay(attempt: job.failureAttempt, retryAfter: answer.retryAfter)
                return try await finish(
                    job, target, status: answer.status, error: "the receiver answered \(answer.status)", started: started,
                    outcome: .retry("the receiver answered \(answer.status)", after: delay)
                )
            }
        } catch let error as FetchError where error.permanent {
            // The user's delivery log gets a plain reason; the job's error (operators) the origin and the detail.
            return try await finish(
                job, target, status: nil, error: "the receiver \(error.userReason)", started: started, outcome: .failed(error.description))
        } catch let error as FetchError {
            let delay = DeliverWebhook.delay(attempt: job.failureAttempt, retryAfter: nil)
            return try await finish(
                job, target, status: nil, error: "the receiver \(error.userReason)", started: started,
                outcome: .retry(error.description, after: delay))
        }
    }

    /// The `webhook-id` of every attempt of this job's event: the job's id.
    static func webhookID(_ job: JobEnvelope<DeliverWebhook.Payload>.Job) -> String {
        "msg_" + job.id.lowercase.replacingOccurrences(of: "-", with: "")
    }

    /// Records the attempt and counts it; returns `outcome`.
    private func finish(
        _ job: JobEnvelope<DeliverWebhook.Payload>.Job, _ target: Target, status: Int?, error: String?, started: ContinuousClock.Instant,
        outcome: JobOutcome
    ) async throws -> JobOutcome {
        let elapsed = ContinuousClock.now - started
        var next: Date?
        if case .retry(_, let after?) = outcome, job.attempt < job.maxAttempts { next = Date().addingTimeInterval(after.seconds) }
        try await attempts.submit(
            (
                WebhookDeliveryAttempt(
                    webhookId: Self.webhookID(job), event: job.payload.event, attempt: job.attempt,
                    statusCode: status, durationMs: Int(elapsed.seconds * 1000), error: error, nextAttemptAt: next
                ),
                subject: target.subject
            ))
        let label =
            switch outcome {
            case .done: status == 410 ? "gone" : "delivered"
            case .retry: "retried"
            case .failed: "refused"
            case .snooze: "waiting"
            }
        Counter(label: MetricName.notifierDeliveriesTotal, dimensions: [("outcome", label)]).increment()
        Timer(label: MetricName.notifierDeliveryDurationSeconds, preferredDisplayUnit: .seconds).recordNanoseconds(
            Int64(elapsed.seconds * 1e9)
        )
        return outcome
    }
}

/// When to try a failed delivery again.
extension DeliverWebhook {
    /// Waits between deliveries: the queue's backoff from 5 s, doubling up to two hours, so the 22 attempts span about
    /// 17 hours (11–23 with the jitter); a receiver's `Retry-After` (seconds) is honoured up to the cap.
    static let backoff = Backoff(base: .seconds(5), cap: .seconds(7200))

    static func delay(attempt: Int, retryAfter: String?) -> Duration {
        let told = retryAfter.flatMap(Double.init).flatMap { $0.isFinite && $0 > 0 ? Duration.seconds(min($0, 86_400)) : nil }
        return backoff.delay(afterAttempt: attempt, retryAfter: told)
    }
}
