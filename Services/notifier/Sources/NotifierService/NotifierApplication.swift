import AsyncHTTPClient
import Catalog
import Database
import Foundation
import Generations
import Hummingbird
import Logging
import PostgresNIO
import SafeHTTP
import ServiceKit

/// Builds the notifier: `POST /v1/jobs/deliver-webhook` posts one signed event to a client's webhook; health and metrics.
package func buildNotifier(config: NotifierConfig, logger: Logger) -> some ApplicationProtocol {
    let client = PostgresClient(configuration: config.database.clientConfiguration(maxConnections: 20), backgroundLogger: logger)
    // Redirects are not followed: a receiver answers where it was asked.
    let http = HTTPClient.makeServiceClient(connectionsPerHost: config.maxPerHost, redirects: false, readTimeout: config.timeout)
    // Any https host with public addresses, and exactly the origins allowed for development.
    let allowList = AllowList((["*"] + config.allowedOrigins).joined(separator: ","))
    let store = GenerationStore(client: client, logger: logger)
    // When deliveries are many, they are read many to a query and their attempts recorded many to a statement.
    let contexts = Batcher<UUID, WebhookDeliveryContext?> { batch in
        let found = try await store.webhookDeliveryContexts(of: batch, candidate: WebhookSecrets.make)
        return batch.map { found[$0] }
    }
    let attempts = Batcher<WebhookDeliverer.Recorded, Void> { batch in
        try await store.recordDeliveries(batch)
        return batch.map { _ in () }
    }
    let deliverer = WebhookDeliverer(
        fetcher: SafeFetcher(http: http, allowList: allowList, maxBytes: 1 << 16, timeout: config.timeout),
        store: store, contexts: contexts, attempts: attempts, limiter: HostLimiter(limit: config.maxPerHost, longest: config.timeout),
        allowedOrigins: Set(config.allowedOrigins.compactMap { URL(string: $0).flatMap(WebhookTarget.origin) }), links: config.fileLinks,
        batches: BatchStore(client: client, logger: logger), budgetAlerts: BudgetAlertStore(client: client, logger: logger)
    )
    return jobServiceApplication(
        name: "notifier", settings: config.http, kind: DeliverWebhook.self, token: config.internalToken,
        checks: [client.readinessCheck], services: [client, HTTPClientService(client: http), contexts, attempts], logger: logger
    ) { job, logger in await deliverer.run(job, logger: logger) }
}
