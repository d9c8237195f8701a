import AsyncHTTPClient
import Catalog
import Database
import Generations
import Hummingbird
import Logging
import PostgresNIO
import SafeHTTP
import ServiceKit
import Storage

/// Builds the downloader: `POST /v1/jobs/download-image` fetches and stores outputs; health and metrics.
package func buildDownloader(config: DownloaderConfig, logger: Logger) -> some ApplicationProtocol {
    // Notifications are published after each commit (see `withPublishedNotifications`), not held over the WAL flush.
    let client = PostgresClient(
        configuration: config.database.clientConfiguration(maxConnections: 20, deferNotifications: true), backgroundLogger: logger
    )
    // Redirects are followed by SafeFetcher itself, so each hop is checked against the allow-list. Connections kept per
    // host cover the dispatcher's download concurrency even when raised well past its default (32): past the limit, every
    // fetch would open and close a connection of its own.
    let http = HTTPClient.makeServiceClient(connectionsPerHost: 256, redirects: false, readTimeout: .seconds(30))
    let storage: any ImageStorage =
        switch config.storage {
        case .directory(let path): FileImageStorage(root: path)
        case .s3(let location, let credentials): S3ImageStorage(client: S3Client(location: location, credentials: credentials, http: http))
        }
    let generations = GenerationStore(client: client, logger: logger)
    let health = StorageHealth(storage: storage, logger: logger)
    let runner = DownloadRunner(
        fetcher: SafeFetcher(http: http, allowList: config.allowList, maxBytes: config.maxBytes, timeout: config.fetchTimeout),
        storage: storage, generations: generations, publicBaseURL: config.publicBaseURL, health: health
    )
    var janitor = StorageJanitor(generations: generations, storage: storage, imagesRetention: config.imagesRetention, logger: logger)
    if case .s3(let location, _) = config.storage, location.prefix.isEmpty {
        janitor.sweepsOrphans = false
        logger.warning("STORAGE_URL names a bucket without a prefix: files no row names are not swept (give the images a prefix of their own)")
    }
    return jobServiceApplication(
        name: "downloader", settings: config.http, kind: DownloadImage.self, token: config.internalToken,
        checks: [client.readinessCheck, health.readinessCheck], services: [client, HTTPClientService(client: http), janitor], logger: logger,
        more: { router in
            let remover = FileRemover(storage: storage)
            addJobRoute(to: router, kind: DeleteFiles.self, token: config.internalToken, logger: logger) { job, logger in
                await remover.run(job.payload, logger: logger)
            }
        },
        handler: { job, logger in await runner.run(job.payload, logger: logger) }
    )
}
