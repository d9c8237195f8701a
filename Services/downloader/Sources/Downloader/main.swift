import DownloaderService
import Foundation
import Hummingbird
import Logging
import ServiceKit

if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("""
        USAGE: downloader [healthcheck]

        Runs download-image jobs: fetches outputs safely, verifies and stores the images.
        Environment: DATABASE_URL, INTERNAL_TOKEN (required); STORAGE_DIR, PUBLIC_BASE_URL, DOWNLOAD_ALLOWED_HOSTS,
        DOWNLOAD_MAX_BYTES, HTTP_HOST, HTTP_PORT (8083), LOG_LEVEL.
        """)
    exit(0)
}
let config = Bootstrap.load("downloader") { try DownloaderConfig(environment: ProcessInfo.processInfo.environment) }
if CommandLine.arguments.dropFirst().first == "healthcheck" { exit(Healthcheck.run(port: config.http.port)) }
Bootstrap.process(logLevel: config.http.logLevel)
try await buildDownloader(config: config, logger: Logger(label: "downloader")).runService()
