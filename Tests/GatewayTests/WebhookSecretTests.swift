import Foundation
import GatewayService
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

/// Replicate's webhook secret, fetched from the account: single flight, retried at start, refreshed at most once a minute.
@Suite("Replicate webhook secret")
struct WebhookSecretTests {
    /// A stand-in for Replicate's `GET /v1/webhooks/default/secret` that fails its first `failures` answers.
    func withSecretEndpoint(failures: Int = 0, _ body: @Sendable (String, @Sendable () -> Int) async throws -> Void) async throws {
        let calls = Mutex(0)
        let router = Router()
        router.get("v1/webhooks/default/secret") { _, _ -> Response in
            let n = calls.withLock {
                $0 += 1
                return $0
            }
            try await Task.sleep(for: .milliseconds(50))
            guard n > failures else { return Response(status: .internalServerError) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"key": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}"#)))
        }
        try await Application(router: router).test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)") { calls.withLock { $0 } }
        }
    }

    @Test("Concurrent webhooks wait for one fetch; a failed verification fetches again only once the minute has passed")
    func singleFlight() async throws {
        try await withSecretEndpoint { base, calls in
            let secret = WebhookSecret(configured: nil, baseURL: base, token: "r8_test", logger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await secret.value() } }
                for try await value in group { #expect(value.hasPrefix("whsec_")) }
            }
            #expect(calls() == 1)
            secret.verificationFailed()
            _ = try await secret.value()
            #expect(calls() == 1)
            let eager = WebhookSecret(configured: nil, baseURL: base, token: "r8_test", logger: TestDatabase.logger, refreshInterval: .zero)
            _ = try await eager.value()
            eager.verificationFailed()
            try await eventually("the refresh to be fetched") { calls() == 3 }
        }
    }

    @Test("At start the secret is fetched in the background, retried until Replicate answers")
    func fetchedAtStart() async throws {
        try await withSecretEndpoint(failures: 2) { base, calls in
            let secret = WebhookSecret(configured: nil, baseURL: base, token: "r8_test", logger: TestDatabase.logger)
            await secret.fetchUntilKnown()
            #expect(calls() == 3)
            let value = try await secret.value()
            #expect(value.hasPrefix("whsec_") && calls() == 3)
        }
    }
}
