import Catalog
import Database
import Foundation
import Generations
import NetworkPolicy
import ReplicateAPI
import ServiceKit
import Storage

/// The gateway's settings, read once at start.
package struct GatewayConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    /// HS256 key (`AUTH_JWT_SECRET`); nil turns HS256 off, which needs an identity provider's key set instead.
    package var jwtSecret: String?
    /// Checked on every token when set (`AUTH_JWT_ISSUER`, `AUTH_JWT_AUDIENCE`).
    package var tokenPolicy: TokenPolicy
    /// How often the key set at `AUTH_JWKS_URL` is fetched again (`AUTH_JWKS_REFRESH_SECONDS`).
    package var jwksRefresh: Duration
    /// Where the downloader stores images: `STORAGE_URL` (`file:///path` or `s3://…`), else `STORAGE_DIR` (served at
    /// `/files`).
    package var storage: StorageSetting
    /// Most non-terminal generations one user may have at once (`GATEWAY_MAX_ACTIVE_PER_USER`).
    package var maxActivePerUser: Int
    /// Most generations waiting to start, all users together, before new ones are refused with 503 (`GATEWAY_MAX_QUEUED`).
    package var maxQueued: Int
    /// The deadline of a request that names none (`GATEWAY_DEFAULT_DEADLINE_SECONDS`), and the furthest one may name
    /// (`GATEWAY_MAX_DEADLINE_SECONDS`); nil: none.
    package var deadlines = Deadlines(fallback: nil, ceiling: nil)
    /// The highest priority a request may ask for unless its token's `max_priority` claim grants more
    /// (`GATEWAY_MAX_PRIORITY`).
    package var maxPriority: Int
    /// Replicate's webhook signing secret (`REPLICATE_WEBHOOK_SECRET`); else fetched with `REPLICATE_API_TOKEN` from
    /// `REPLICATE_BASE_URL`. `POST /v1/replicate/webhook` is served when either is set.
    package var replicateWebhookSecret: String?
    package var replicateToken: String?
    package var replicateBaseURL: String
    /// The port of `/health/ready` and `/metrics` (`GATEWAY_INTERNAL_PORT`), never published.
    package var internalPort: Int
    /// Serve stored SVGs inline instead of as attachments (`FILES_SVG_INLINE`, default false).
    package var svgInline: Bool
    /// Apply migrations at start (`GATEWAY_MIGRATE_ON_START`, default true).
    package var migrateOnStart: Bool
    /// Each user's monthly budget in USD unless their own is set (`GATEWAY_MONTHLY_BUDGET_USD`; unset: no budget).
    package var monthlyBudget: Double?
    /// The monthly ceiling in USD over every user's spend together (`GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD`; unset: none),
    /// which bounds the Replicate bill.
    package var accountMonthlyBudget: Double?
    /// Generation requests (creates and batches) per user per minute, across all gateways (`GATEWAY_RATE_PER_MINUTE`).
    package var ratePerMinute: Int
    /// Other writes (cancels, deletes, uploads, stream tokens, keys…) per user per minute (`GATEWAY_WRITE_RATE_PER_MINUTE`).
    package var writeRatePerMinute: Int
    /// A JSON Web Key Set for RS256/ES256 tokens of a real identity provider (`AUTH_JWKS_FILE`), read at start.
    package var jwks: String?
    /// Where to fetch that key set at start instead (`AUTH_JWKS_URL`).
    package var jwksURL: String?
    /// Origins whose pages may call the API (`CORS_ALLOWED_ORIGINS`, comma-separated; `*` for any; none by default).
    package var corsAllowedOrigins: Set<String> = []
    /// Origins (`scheme://host:port`) a request's `webhook` may name besides public https hosts, for development
    /// (`WEBHOOK_ALLOWED_ORIGINS`, as the notifier reads it).
    package var webhookOrigins: Set<String> = []
    /// Links to stored files: signed with `FILES_URL_SECRET`, valid `FILES_URL_TTL` seconds; plain with `FILES_PUBLIC`.
    package var fileLinks: FileLinks
    /// Uploaded input images: the largest (`FILES_MAX_UPLOAD_BYTES`), how long each is kept (`FILES_RETENTION_HOURS`),
    /// and the gateway's URL as Replicate reaches it, the base of their content links (`FILES_PUBLIC_URL`, else
    /// `PUBLIC_BASE_URL`).
    package var inputFiles = InputFileSettings()
    /// The most permissive `safety_level` a request may ask for (`GATEWAY_SAFETY_CEILING`: `strict`, `standard` or
    /// `relaxed`; `standard` by default, so turning a model's checker off is the operator's choice).
    package var safetyCeiling = SafetyLevel.standard

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8080, defaultIdleTimeout: 120)
        database = loader.databaseURL()
        jwksURL = loader.optional("AUTH_JWKS_URL")
        let jwksFile = loader.optional("AUTH_JWKS_FILE")
        // With an identity provider's keys, HS256 is on only when a secret is given.
        jwtSecret =
            jwksURL == nil && jwksFile == nil || loader.optional("AUTH_JWT_SECRET") != nil
            ? loader.secret("AUTH_JWT_SECRET", minimumBytes: UserAuthenticator.minimumSecretBytes) : nil
        tokenPolicy = TokenPolicy(issuer: loader.optional("AUTH_JWT_ISSUER"), audience: loader.optional("AUTH_JWT_AUDIENCE"))
        jwksRefresh = .seconds(loader.int("AUTH_JWKS_REFRESH_SECONDS", default: 300, in: 10...86400))
        if let jwksURL, let url = URL(string: jwksURL), !(url.scheme == "https" || ["127.0.0.1", "localhost", "::1"].contains(url.host ?? "")) {
            loader.problem("AUTH_JWKS_URL must be https (plain http only on loopback), got \(jwksURL)")
        }
        storage = StorageSetting.load(&loader, environment: environment)
        maxActivePerUser = loader.int("GATEWAY_MAX_ACTIVE_PER_USER", default: 50, in: 1...100_000)
        maxQueued = loader.int("GATEWAY_MAX_QUEUED", default: 100_000, in: 1...100_000_000)
        deadlines = Deadlines(
            fallback: loader.seconds("GATEWAY_DEFAULT_DEADLINE_SECONDS", in: 1...31_536_000),
            ceiling: loader.seconds("GATEWAY_MAX_DEADLINE_SECONDS", in: 1...31_536_000)
        )
        if let fallback = deadlines.fallback, let ceiling = deadlines.ceiling, fallback > ceiling {
            loader.problem("GATEWAY_DEFAULT_DEADLINE_SECONDS must not exceed GATEWAY_MAX_DEADLINE_SECONDS")
        }
        maxPriority = loader.int("GATEWAY_MAX_PRIORITY", default: 5, in: 0...10)
        internalPort = loader.int("GATEWAY_INTERNAL_PORT", default: 9080, in: 0...65535)
        replicateWebhookSecret = loader.optional("REPLICATE_WEBHOOK_SECRET")
        if let secret = replicateWebhookSecret, WebhookSignature.key(of: secret) == nil {
            loader.problem("REPLICATE_WEBHOOK_SECRET must be Replicate's signing secret, whsec_ followed by base64 (GET /v1/webhooks/default/secret)")
        }
        replicateToken = loader.optional("REPLICATE_API_TOKEN")
        replicateBaseURL = loader.string("REPLICATE_BASE_URL", default: "https://api.replicate.com")
        svgInline = loader.bool("FILES_SVG_INLINE", default: false)
        fileLinks = FileLinks.load(&loader, storage: storage)
        inputFiles = InputFileSettings(
            maxBytes: loader.int("FILES_MAX_UPLOAD_BYTES", default: inputFiles.maxBytes, in: 1024...(512 << 20)),
            retentionHours: loader.int("FILES_RETENTION_HOURS", default: inputFiles.retentionHours, in: 1...8760),
            publicURL: loader.optional("FILES_PUBLIC_URL") ?? loader.string("PUBLIC_BASE_URL", default: inputFiles.publicURL)
        )
        if URL(string: inputFiles.publicURL).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
            loader.problem("FILES_PUBLIC_URL (or PUBLIC_BASE_URL) must be an http(s) URL, got \(inputFiles.publicURL)")
        }
        let ceiling = loader.string("GATEWAY_SAFETY_CEILING", default: safetyCeiling.rawValue)
        if let level = SafetyLevel(rawValue: ceiling) {
            safetyCeiling = level
        } else {
            loader.problem("GATEWAY_SAFETY_CEILING must be strict, standard or relaxed, got \(ceiling)")
        }
        migrateOnStart = loader.string("GATEWAY_MIGRATE_ON_START", default: "true") == "true"
        ratePerMinute = loader.int("GATEWAY_RATE_PER_MINUTE", default: 120, in: 1...1_000_000)
        writeRatePerMinute = loader.int("GATEWAY_WRITE_RATE_PER_MINUTE", default: 600, in: 1...1_000_000)
        if let raw = loader.optional("GATEWAY_MONTHLY_BUDGET_USD") {
            if let budget = Double(raw), budget >= 0, budget.isFinite {
                monthlyBudget = budget
            } else {
                loader.problem("GATEWAY_MONTHLY_BUDGET_USD must be a number of US dollars ≥ 0, got \(raw)")
            }
        }
        if let raw = loader.optional("GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD") {
            if let ceiling = Double(raw), ceiling >= 0, ceiling.isFinite {
                accountMonthlyBudget = ceiling
            } else {
                loader.problem("GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD must be a number of US dollars ≥ 0, got \(raw)")
            }
        }
        for origin in (loader.optional("CORS_ALLOWED_ORIGINS") ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !origin.isEmpty {
            if origin != "*", URL(string: origin).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil && $0.path.isEmpty }) != true {
                loader.problem("CORS_ALLOWED_ORIGINS must list origins like https://app.example.com (no path) or *, got \(origin)")
            }
            corsAllowedOrigins.insert(origin)
        }
        let webhookSetting = WebhookTarget.allowedOrigins(loader.optional("WEBHOOK_ALLOWED_ORIGINS") ?? "")
        webhookOrigins = Set(webhookSetting.origins.map(\.origin))
        for entry in webhookSetting.invalid {
            loader.problem("WEBHOOK_ALLOWED_ORIGINS must list origins like http://127.0.0.1:9000, got \(entry)")
        }
        jwks = nil
        if let path = jwksFile {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                jwks = text
            } else {
                loader.problem("AUTH_JWKS_FILE \(path) cannot be read")
            }
        }
        try loader.validate()
    }

    /// What the settings allow but a deployment would regret, logged at start: input files' links that Replicate
    /// cannot reach (a private or plain-http `FILES_PUBLIC_URL` while the generators call the real API).
    package var warnings: [String] {
        guard URL(string: replicateBaseURL)?.host == "api.replicate.com", let url = URL(string: inputFiles.publicURL), let host = url.host else {
            return []
        }
        guard url.scheme != "https" || SpecialAddress.reason(host: host) != nil else { return [] }
        return [
            "FILES_PUBLIC_URL (else PUBLIC_BASE_URL) is \(inputFiles.publicURL), which Replicate cannot fetch uploaded input files from: set it to the gateway's public https URL"
        ]
    }

    /// Settings for tests: loopback, ephemeral port, migrations left to the test database helper.
    package init(database: DatabaseURL, jwtSecret: String, storageDir: String, maxActivePerUser: Int = 50, internalPort: Int = 0) {
        tokenPolicy = TokenPolicy()
        jwksRefresh = .seconds(300)
        http = HTTPSettings()
        self.database = database
        self.jwtSecret = jwtSecret
        storage = .directory(storageDir)
        self.maxActivePerUser = maxActivePerUser
        maxQueued = 100_000
        maxPriority = 5
        svgInline = false
        self.internalPort = internalPort
        replicateWebhookSecret = nil
        replicateToken = nil
        replicateBaseURL = "https://api.replicate.com"
        migrateOnStart = false
        ratePerMinute = 1_000_000
        writeRatePerMinute = 1_000_000
        fileLinks = FileLinks(secret: "test-files-secret-0123456789-0123456789")
    }

    /// The subset `gateway migrate` needs.
    package static func databaseOnly(environment: [String: String]) throws -> DatabaseURL {
        var loader = ConfigLoader(environment)
        let url = loader.databaseURL()
        try loader.validate()
        return url
    }

    /// Only what signing a user token needs (`gateway token`): the HS256 key and the issuer and audience every token
    /// must name, read and checked as the gateway reads them.
    package static func tokenSigning(environment: [String: String]) throws -> (secret: String, policy: TokenPolicy) {
        var loader = ConfigLoader(environment)
        let secret = loader.secret("AUTH_JWT_SECRET", minimumBytes: UserAuthenticator.minimumSecretBytes)
        let policy = TokenPolicy(issuer: loader.optional("AUTH_JWT_ISSUER"), audience: loader.optional("AUTH_JWT_AUDIENCE"))
        try loader.validate()
        return (secret, policy)
    }
}

/// How the gateway takes and serves uploaded input images.
package struct InputFileSettings: Sendable {
    package var maxBytes = 20 << 20
    package var retentionHours = 24
    /// No trailing slash.
    package var publicURL = "http://127.0.0.1:8080"

    package init() {}

    package init(maxBytes: Int, retentionHours: Int, publicURL: String) {
        self.maxBytes = maxBytes
        self.retentionHours = retentionHours
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }
}
