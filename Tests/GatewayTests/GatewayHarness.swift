import Database
import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ReplicateAPI
import ServiceKit
import Storage
import TestSupport
import WireFormat

/// A gateway on a real port over a fresh database, with tokens for two users.
struct GatewayHarness: Sendable {
    static let secret = "test-secret-0123456789-0123456789-abcdef"
    let client: any TestClientProtocol
    let database: PostgresClient
    let storage: String
    let alice: UUID
    let bob: UUID
    let aliceToken: String
    let bobToken: String
    /// The port of readiness and metrics.
    let internalPort: Int
    /// The gateway's settings (a second gateway over the same database takes them).
    let config: GatewayConfig

    /// The links the harness's gateway hands out and accepts (`GatewayConfig`'s test settings).
    static let fileLinks = GatewayConfig(database: try! DatabaseURL("postgres://x@127.0.0.1:1/x"), jwtSecret: secret, storageDir: "/").fileLinks

    /// A signed link to the stored file at `path`, as the API would hand it out (`now` to make an expired one).
    func fileLink(_ path: String, now: Date = Date()) -> String { Self.fileLinks.url("/files/\(path)", path: path, now: now) }

    /// Writes a file at `path` under the storage root, and (unless `recorded` is false) an image row naming it, as the
    /// downloader does: the gateway serves only files a row names.
    func storeFile(_ path: String, _ bytes: Data, recorded: Bool = true) async throws {
        let url = URL(fileURLWithPath: storage).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: url)
        guard recorded else { return }
        try await database.query(
            """
            INSERT INTO images (user_id, filename, storage_path, public_url, file_size, width, height, format, content_type, sha256)
            VALUES (\(alice), \(url.lastPathComponent), \(path), '', \(bytes.count), 1, 1, 'png', 'image/png', '')
            """
        )
    }

    /// The one origin whose pages may call the harness's gateway.
    static let allowedOrigin = "https://app.example.com"

    /// Replicate's webhook signing secret the harness's gateway accepts.
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func run(
        maxActivePerUser: Int = 50, monthlyBudget: Double? = nil, maxQueued: Int = 100_000,
        deadlines: Deadlines = Deadlines(fallback: nil, ceiling: nil), inputFiles: InputFileSettings = InputFileSettings(),
        ratePerMinute: Int = 1_000_000, writeRatePerMinute: Int = 1_000_000, accountMonthlyBudget: Double? = nil,
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.withClient { database, url in
            let storage = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID())").path
            try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: storage) }
            let internalPort = try freePort()
            var config = GatewayConfig(
                database: url, jwtSecret: secret, storageDir: storage, maxActivePerUser: maxActivePerUser, internalPort: internalPort
            )
            config.replicateWebhookSecret = webhookSecret
            config.corsAllowedOrigins = [allowedOrigin]
            config.monthlyBudget = monthlyBudget
            config.maxQueued = maxQueued
            config.deadlines = deadlines
            config.inputFiles = inputFiles
            config.ratePerMinute = ratePerMinute
            config.writeRatePerMinute = writeRatePerMinute
            config.accountMonthlyBudget = accountMonthlyBudget
            let auth = await UserAuthenticator(secret: secret)
            let (alice, bob) = (UUID(), UUID())
            let (aliceToken, bobToken) = (try await auth.token(for: alice), try await auth.token(for: bob))
            let settings = config
            try await buildGateway(config: settings, logger: TestDatabase.logger).test(.ahc(.http)) { client in
                try await body(
                    GatewayHarness(
                        client: client, database: database, storage: storage, alice: alice, bob: bob, aliceToken: aliceToken, bobToken: bobToken,
                        internalPort: internalPort, config: settings
                    )
                )
            }
        }
    }

    /// Runs `body` with a client of a second gateway, its own process state, over the same database (as two replicas).
    func withSecondGateway(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var second = config
        second.internalPort = try freePort()
        try await buildGateway(config: second, logger: TestDatabase.logger).test(.ahc(.http)) { try await body($0) }
    }

    /// Calls the gateway: `json` as an `application/json` body, or `body` as it is (with its own content type in `headers`).
    func call(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = nil, headers: HTTPFields = [:], body: String? = nil
    ) async throws -> TestResponse {
        try await call(method, path, token: token, headers: headers, bytes: (json ?? body).map { Array($0.utf8) }, isJSON: json != nil)
    }

    /// Calls the gateway with `bytes` as the body.
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, headers: HTTPFields = [:], bytes: [UInt8]?, isJSON: Bool = false
    ) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if isJSON { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) })
    }

    func object(_ response: TestResponse) throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView)) else {
            throw CocoaError(.coderInvalidValue)
        }
        return object
    }

    /// Creates a generation as alice and returns its id.
    func create(_ json: String = #"{"prompt": "a cat", "model_id": "black-forest-labs/flux-schnell"}"#, token: String? = nil) async throws -> String {
        let response = try await call(.post, "/v1/generations", json: json, token: token ?? aliceToken)
        guard response.status == .accepted, let id = try object(response)["id"]?.string else {
            throw TestEnvironmentError(description: "create answered \(response.status): \(String(buffer: response.body))")
        }
        return id
    }
}
