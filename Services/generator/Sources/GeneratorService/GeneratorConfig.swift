import Database
import ReplicateAPI
import ServiceKit

/// The generator's settings, read once at start.
package struct GeneratorConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    package var internalToken: String
    package var replicateToken: String
    /// Replicate's base URL without `/v1` (`REPLICATE_BASE_URL`).
    package var replicateBaseURL: String
    /// Seconds to hold the create call with `Prefer: wait` for a model that usually finishes within them
    /// (`GENERATOR_PREFER_WAIT`, 0–60; 0 sends no `Prefer`).
    package var preferWait: Int
    /// Longest pause between polls (`GENERATOR_POLL_MAX_SECONDS`), except the first poll of a parked prediction of a model
    /// whose time is learned, which waits until the model usually ends.
    package var pollMax: Duration
    /// How long one delivery may wait for a running prediction before it parks it: answers 202 and has its job delivered
    /// again near the next check, so no push, connection or dispatcher slot is held while Replicate works
    /// (`GENERATOR_PARK_AFTER_SECONDS`, default 0: park at once after the create call's wait). Nil holds until it ends.
    package var parkAfter: Duration?
    /// Where Replicate posts prediction updates: the gateway's `POST /v1/replicate/webhook` (`REPLICATE_WEBHOOK_URL`),
    /// and which (`REPLICATE_WEBHOOK_EVENTS`, default `start,logs,completed`; `completed` is required).
    package var webhook: PredictionWebhook?
    /// Predictions of this generator at once that ask for `logs` webhooks (`REPLICATE_PROGRESS_WEBHOOKS_MAX`, default
    /// 1000); the rest are created without them.
    package var progressWebhooksMax: Int
    /// With webhooks, a parked prediction is still checked this long after the model usually finishes, and as often
    /// after that, for a webhook that was lost
    /// (`GENERATOR_WEBHOOK_POLL_SECONDS`).
    package var webhookPoll: Duration
    /// Creates allowed per minute for the whole account, shared by every generator (`REPLICATE_CREATE_RATE_PER_MINUTE`,
    /// Replicate's default 600; 0 turns the shared budget off).
    package var createRatePerMinute: Int
    /// How long a generation that never started waits out a Replicate outage (the shared breaker open, or its own creates
    /// failing) before it fails with `provider_unavailable` (`REPLICATE_OUTAGE_TOLERANCE_SECONDS`, default 1800).
    package var outageTolerance: Duration
    /// Failed calls in a row that open the shared breaker, and how often it lets a probe through while open
    /// (`REPLICATE_BREAKER_THRESHOLD`, default 5; `REPLICATE_BREAKER_PROBE_SECONDS`, default 10).
    package var breakerThreshold: Int
    package var breakerProbe: Duration

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8082, defaultShutdownTimeout: 55)
        database = loader.databaseURL()
        internalToken = loader.secret("INTERNAL_TOKEN")
        replicateToken = loader.required("REPLICATE_API_TOKEN")
        replicateBaseURL = loader.string("REPLICATE_BASE_URL", default: "https://api.replicate.com")
        preferWait = loader.int("GENERATOR_PREFER_WAIT", default: 10, in: 0...60)
        pollMax = .seconds(loader.double("GENERATOR_POLL_MAX_SECONDS", default: 5, in: 0.05...60))
        parkAfter = .seconds(loader.int("GENERATOR_PARK_AFTER_SECONDS", default: 0, in: 0...3600))
        let events = loader.string("REPLICATE_WEBHOOK_EVENTS", default: "start,logs,completed").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if !events.contains("completed") || !Set(events).isSubset(of: PredictionWebhook.eventNames) {
            loader.problem(
                "REPLICATE_WEBHOOK_EVENTS must list completed and only start, output, logs or completed, got \(events.joined(separator: ","))")
        }
        webhook = loader.optional("REPLICATE_WEBHOOK_URL").map { PredictionWebhook(url: $0, events: events) }
        webhookPoll = .seconds(loader.int("GENERATOR_WEBHOOK_POLL_SECONDS", default: 60, in: 1...3600))
        progressWebhooksMax = loader.int("REPLICATE_PROGRESS_WEBHOOKS_MAX", default: 1000, in: 0...1_000_000)
        createRatePerMinute = loader.int("REPLICATE_CREATE_RATE_PER_MINUTE", default: 600, in: 0...1_000_000)
        outageTolerance = .seconds(loader.int("REPLICATE_OUTAGE_TOLERANCE_SECONDS", default: 1800, in: 0...86_400))
        breakerThreshold = loader.int("REPLICATE_BREAKER_THRESHOLD", default: 5, in: 1...1000)
        breakerProbe = .seconds(loader.double("REPLICATE_BREAKER_PROBE_SECONDS", default: 10, in: 0.1...600))
        try loader.validate()
    }

    package init(
        http: HTTPSettings = HTTPSettings(), database: DatabaseURL, internalToken: String, replicateToken: String, replicateBaseURL: String,
        preferWait: Int = 1, pollMax: Duration = .milliseconds(200), parkAfter: Duration? = nil, outageTolerance: Duration = .seconds(1800),
        breakerThreshold: Int = 5, breakerProbe: Duration = .seconds(10)
    ) {
        self.parkAfter = parkAfter
        self.outageTolerance = outageTolerance
        self.breakerThreshold = breakerThreshold
        self.breakerProbe = breakerProbe
        self.webhook = nil
        self.webhookPoll = .seconds(60)
        self.progressWebhooksMax = 1000
        self.createRatePerMinute = 0
        self.http = http
        self.database = database
        self.internalToken = internalToken
        self.replicateToken = replicateToken
        self.replicateBaseURL = replicateBaseURL
        self.preferWait = preferWait
        self.pollMax = pollMax
    }
}
