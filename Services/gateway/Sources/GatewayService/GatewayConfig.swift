import Database
import ServiceKit

/// The gateway's settings, read once at start.
package struct GatewayConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    package var jwtSecret: String
    /// Where the downloader stores images (`STORAGE_DIR`), served at `/files`.
    package var storageDir: String
    /// Most non-terminal generations one user may have at once (`GATEWAY_MAX_ACTIVE_PER_USER`).
    package var maxActivePerUser: Int
    /// The highest priority a request may ask for unless its token's `max_priority` claim grants more
    /// (`GATEWAY_MAX_PRIORITY`).
    package var maxPriority: Int
    /// The port of `/health/ready` and `/metrics` (`GATEWAY_INTERNAL_PORT`), never published.
    package var internalPort: Int
    /// Serve stored SVGs inline instead of as attachments (`FILES_SVG_INLINE`, default false).
    package var svgInline: Bool
    /// Apply migrations at start (`GATEWAY_MIGRATE_ON_START`, default true).
    package var migrateOnStart: Bool
    /// Generation requests per user per minute on this instance (`GATEWAY_RATE_PER_MINUTE`).
    package var ratePerMinute: Int
    /// A JSON Web Key Set for RS256/ES256 tokens of a real identity provider (`AUTH_JWKS_FILE`), read at start.
    package var jwks: String?
    /// Where to fetch that key set at start instead (`AUTH_JWKS_URL`).
    package var jwksURL: String?

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8080)
        database = loader.databaseURL()
        jwtSecret = loader.secret("AUTH_JWT_SECRET", minimumBytes: UserAuthenticator.minimumSecretBytes)
        storageDir = loader.string("STORAGE_DIR", default: "./.data/images")
        maxActivePerUser = loader.int("GATEWAY_MAX_ACTIVE_PER_USER", default: 50, in: 1...100_000)
        maxPriority = loader.int("GATEWAY_MAX_PRIORITY", default: 5, in: 0...10)
        internalPort = loader.int("GATEWAY_INTERNAL_PORT", default: 9080, in: 0...65535)
        svgInline = loader.bool("FILES_SVG_INLINE", default: false)
        migrateOnStart = loader.string("GATEWAY_MIGRATE_ON_START", default: "true") == "true"
        ratePerMinute = loader.int("GATEWAY_RATE_PER_MINUTE", default: 120, in: 1...1_000_000)
        jwksURL = loader.optional("AUTH_JWKS_URL")
        jwks = nil
        if let path = loader.optional("AUTH_JWKS_FILE") {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { jwks = text } else {
                loader.problem("AUTH_JWKS_FILE \(path) cannot be read")
            }
        }
        try loader.validate()
    }

    /// Settings for tests: loopback, ephemeral port, migrations left to the test database helper.
    package init(database: DatabaseURL, jwtSecret: String, storageDir: String, maxActivePerUser: Int = 50, internalPort: Int = 0) {
        http = HTTPSettings()
        self.database = database
        self.jwtSecret = jwtSecret
        self.storageDir = storageDir
        self.maxActivePerUser = maxActivePerUser
        maxPriority = 5
        svgInline = false
        self.internalPort = internalPort
        migrateOnStart = false
        ratePerMinute = 1_000_000
    }

    /// The subset `gateway migrate` needs.
    package static func databaseOnly(environment: [String: String]) throws -> DatabaseURL {
        var loader = ConfigLoader(environment)
        let url = loader.databaseURL()
        try loader.validate()
        return url
    }
}
