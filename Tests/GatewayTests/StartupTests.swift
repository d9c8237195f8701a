import Foundation
import TestSupport
import Testing

/// A service that cannot start says so and exits, so a restart policy (Compose, Kubernetes) can act on it.
@Suite("Startup", .serialized)
struct StartupTests {
    /// A port held by a listener of this test process for the duration of `body`.
    func withTakenPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        return try await body(Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test(
        "A service whose port is taken exits non-zero within seconds (it neither hangs nor spins)",
        arguments: [
            ("gateway", "HTTP_PORT"), ("gateway", "GATEWAY_INTERNAL_PORT"), ("dispatcher", "HTTP_PORT"), ("generator", "HTTP_PORT"),
            ("downloader", "HTTP_PORT"), ("notifier", "HTTP_PORT"),
        ])
    func portTaken(service: String, setting: String) async throws {
        try await TestDatabase.withClient { _, url in
            try await withTakenPort { port in
                let storage = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID())").path
                defer { try? FileManager.default.removeItem(atPath: storage) }
                let process = try await ServiceProcess(
                    service,
                    environment: [
                        "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
                        "INTERNAL_TOKEN": TestSecrets.internalToken, "AUTH_JWT_SECRET": TestSecrets.internalToken,
                        "FILES_URL_SECRET": TestSecrets.internalToken, "REPLICATE_API_TOKEN": "r8_test", "STORAGE_DIR": storage,
                        "GATEWAY_MIGRATE_ON_START": "false", setting: String(port),
                    ], ready: false)
                try await eventually("\(service) to exit", timeout: .seconds(15)) { !process.process.isRunning }
                #expect(process.process.terminationStatus != 0)
                #expect(process.output.contains("Address already in use") || process.output.contains("bind"), "\(process.output)")
            }
        }
    }

    @Test(
        "A malformed REPLICATE_WEBHOOK_SECRET stops the gateway at start with exit 78, naming the setting",
        arguments: [
            "not-a-secret", "whsec_", "whsec_!!!not base64!!!", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ])
    func malformedWebhookSecret(secret: String) async throws {
        let process = try await ServiceProcess(
            "gateway",
            environment: [
                "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "AUTH_JWT_SECRET": TestSecrets.internalToken,
                "FILES_URL_SECRET": TestSecrets.internalToken, "REPLICATE_WEBHOOK_SECRET": secret,
            ], ready: false)
        try await eventually("the gateway to exit", timeout: .seconds(15)) { !process.process.isRunning }
        #expect(process.process.terminationStatus == 78)
        #expect(process.output.contains("REPLICATE_WEBHOOK_SECRET"), "\(process.output)")
    }

    @Test("SIGTERM ends a gateway within SHUTDOWN_TIMEOUT_SECONDS even while a client holds a request open (sends its body slowly)")
    func shutdownDoesNotHang() async throws {
        try await TestDatabase.withClient { _, url in
            let process = try await ServiceProcess(
                "gateway",
                environment: [
                    "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
                    "AUTH_JWT_SECRET": TestSecrets.internalToken, "FILES_URL_SECRET": TestSecrets.internalToken,
                    "GATEWAY_MIGRATE_ON_START": "false", "SHUTDOWN_TIMEOUT_SECONDS": "2",
                    "REPLICATE_WEBHOOK_SECRET": "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
                ])
            // Replicate's webhook with headers that pass the checks made before the body, and a body that never comes: the
            // request stays in flight (the idle timeout is 120 s).
            let slow = try #require(connectLoopback(process.port))
            defer { close(slow) }
            let head = Array(
                ("POST /v1/replicate/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                    + "webhook-id: msg_1\r\nwebhook-timestamp: \(Int(Date().timeIntervalSince1970))\r\nwebhook-signature: v1,c2ln\r\n\r\n{\"id\":")
                    .utf8)
            #expect(send(slow, head, head.count, 0) == head.count)
            try await Task.sleep(for: .milliseconds(500))
            kill(process.process.processIdentifier, SIGTERM)
            try await eventually("the gateway to exit after SIGTERM", timeout: .seconds(20)) { !process.process.isRunning }
        }
    }
}
