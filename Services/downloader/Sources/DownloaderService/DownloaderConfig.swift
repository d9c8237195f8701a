import Database
import Generations
import SafeHTTP
import ServiceKit
import Storage

/// The downloader's settings, read once at start.
package struct DownloaderConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    package var internalToken: String
    /// Where images are stored: `STORAGE_URL` (`file:///path` or `s3://bucket/prefix?…`), else `STORAGE_DIR`.
    package var storage: StorageSetting
    package var publicBaseURL: String
    package var allowList: AllowList
    package var maxBytes: Int
    /// The longest one output may take to fetch, from the request to its last byte (`DOWNLOAD_TIMEOUT_SECONDS`).
    package var fetchTimeout: Duration
    /// How long stored images are kept (`RETENTION_IMAGES_DAYS`; nil keeps them).
    package var imagesRetention: Duration?

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8083)
        database = loader.databaseURL()
        internalToken = loader.secret("INTERNAL_TOKEN")
        storage = StorageSetting.load(&loader, environment: environment)
        publicBaseURL = loader.string("PUBLIC_BASE_URL", default: "http://127.0.0.1:8080")
        allowList = AllowList(loader.string("DOWNLOAD_ALLOWED_HOSTS", default: "replicate.delivery,*.replicate.delivery"))
        maxBytes = loader.int("DOWNLOAD_MAX_BYTES", default: 50 << 20, in: 1...(4 << 30))
        fetchTimeout = .seconds(loader.int("DOWNLOAD_TIMEOUT_SECONDS", default: 120, in: 1...3600))
        imagesRetention = loader.days("RETENTION_IMAGES_DAYS")
        try loader.validate()
    }
}
