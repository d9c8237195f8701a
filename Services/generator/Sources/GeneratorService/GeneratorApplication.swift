import AsyncHTTPClient
import Catalog
import Database
import Generations
import Hummingbird
import JobQueue
import Logging
import PostgresNIO
import ReplicateAPI
import ServiceKit

/// Builds the generator: `POST /v1/jobs/generate-image` drives Replicate; health and metrics.
package func buildGenerator(config: GeneratorConfig, logger: Logger, api: (any PredictionsAPI)? = nil) -> some ApplicationProtocol {
    // Notifications are published after each commit (see `withPublishedNotifications`), not held over the WAL flush.
    let client = PostgresClient(
        configuration: config.database.clientConfiguration(maxConnections: 20, deferNotifications: true), backgroundLogger: logger
    )
    // Replicate holds a create for up to the Prefer: wait window before it sends anything.
    let http = HTTPClient.makeServiceClient(connectionsPerHost: 256, readTimeout: .seconds(max(30, config.preferWait + 15)))
    let breaker = ReplicateBreaker(client: client, logger: logger, threshold: config.breakerThreshold, probeInterval: config.breakerProbe)
    let replicate = BreakerGuardedAPI(
        api: api ?? ReplicateClient(http: http, baseURL: config.replicateBaseURL, token: config.replicateToken), breaker: breaker
    )
    let timings = ModelTimingStore(client: client, logger: logger)
    let runner = PredictionRunner(
        api: replicate, store: GenerationStore(client: client, logger: logger), timings: timings,
        preferWait: config.preferWait, pollMax: config.pollMax, parkAfter: config.parkAfter,
        webhook: config.webhook, webhookPoll: config.webhookPoll, progressWebhooks: ProgressWebhookQuota(limit: config.progressWebhooksMax),
        budget: config.createRatePerMinute > 0 ? ReplicateCreateBudget(client: client, perMinute: config.createRatePerMinute, logger: logger) : nil,
        breaker: breaker, outageTolerance: config.outageTolerance
    )
    return jobServiceApplication(
        name: "generator", settings: config.http, kind: GenerateImage.self, token: config.internalToken,
        checks: [client.readinessCheck],
        services: [client, HTTPClientService(client: http), TimingSync(timings: timings, logger: logger)], logger: logger
    ) { job, logger in await runner.run(job.payload, lease: JobLease(id: job.id, attempt: job.attempt), logger: logger) }
}
