import Foundation
import DownloaderService
import ServiceKit

try await ServiceMain.run(
    "downloader", about: "Runs download-image jobs: fetches outputs safely, verifies and stores the images.",
    environment: "DATABASE_URL, INTERNAL_TOKEN (required); STORAGE_DIR, PUBLIC_BASE_URL, DOWNLOAD_ALLOWED_HOSTS, DOWNLOAD_MAX_BYTES, HTTP_HOST, HTTP_PORT (8083), LOG_LEVEL.",
    load: { try DownloaderConfig(environment: ProcessInfo.processInfo.environment) }, settings: \.http, build: { buildDownloader(config: $0, logger: $1) }
)
