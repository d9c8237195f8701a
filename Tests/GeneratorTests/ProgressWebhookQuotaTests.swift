import GeneratorService
import ReplicateAPI
import Testing

struct ProgressWebhookQuotaTests {
    let webhook = PredictionWebhook(url: "http://gateway/v1/replicate/webhook", events: ["start", "logs", "completed"])

    @Test("Past the limit a prediction asks for start and completed only; one the model has finished makes room again")
    func limit() {
        let quota = ProgressWebhookQuota(limit: 2)
        #expect(quota.webhook(webhook, runningFor: 3600)?.events == ["start", "logs", "completed"])
        #expect(quota.webhook(webhook, runningFor: 0)?.events == ["start", "logs", "completed"])
        // The second is expected to have ended already: room for one more, then none.
        #expect(quota.webhook(webhook, runningFor: 3600)?.events == ["start", "logs", "completed"])
        #expect(quota.webhook(webhook, runningFor: 3600)?.events == ["start", "completed"])
        #expect(quota.webhook(webhook, runningFor: 3600)?.url == webhook.url)
    }

    @Test("Without logs asked for, or without webhooks, nothing is counted or changed")
    func untouched() {
        let quota = ProgressWebhookQuota(limit: 0)
        let quiet = PredictionWebhook(url: webhook.url, events: ["completed"])
        #expect(quota.webhook(quiet, runningFor: 60) == quiet)
        #expect(quota.webhook(nil, runningFor: 60) == nil)
        #expect(quota.webhook(webhook, runningFor: 60)?.events == ["start", "completed"])
    }
}
