import DownloaderService
import Hummingbird
import Logging
import ServiceKit

enum Downloader: ServiceExecutable {
    static let name = "downloader"
    static let abstract = "Runs download-image jobs: fetches outputs safely, verifies and stores the images."
    static func load(_ environment: [String: String]) throws -> DownloaderConfig { try DownloaderConfig(environment: environment) }
    static func settings(_ config: DownloaderConfig) -> HTTPSettings { config.http }
    static func build(_ config: DownloaderConfig, logger: Logger) async throws -> some ApplicationProtocol {
        buildDownloader(config: config, logger: logger)
    }
}

await ServiceCommand<Downloader>.run()
