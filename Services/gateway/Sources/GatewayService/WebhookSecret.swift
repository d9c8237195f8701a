import AsyncHTTPClient
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Replicate's webhook signing secret: `REPLICATE_WEBHOOK_SECRET` (checked at start), or fetched from the account
/// (`GET /v1/webhooks/default/secret`) with `REPLICATE_API_TOKEN`. The fetch starts with the gateway and is retried in
/// the background until it succeeds; it is single flight (webhooks arriving meanwhile wait for the same fetch, never
/// start their own), and after a signature that does not verify it is fetched again at most once a minute, in case
/// Replicate rotated it.
package final class WebhookSecret: Service, Sendable {
    private struct State {
        var known: String?
        var fetch: Task<String, any Error>?
        var fetchedAt: ContinuousClock.Instant?
    }

    private let configured: String?
    private let baseURL: String
    private let token: String?
    private let logger: Logger
    private let refreshInterval: Duration
    private let state = Mutex(State())

    package init(configured: String?, baseURL: String, token: String?, logger: Logger, refreshInterval: Duration = .seconds(60)) {
        self.configured = configured
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.logger = logger
        self.refreshInterval = refreshInterval
    }

    /// The secret now: configured, known, or the one the fetch in flight (started if none) brings.
    package func value() async throws -> String {
        if let configured { return configured }
        guard token != nil else { throw Problem(.serviceUnavailable, detail: "no webhook secret is configured") }
        let (known, fetch) = state.withLock { state -> (String?, Task<String, any Error>?) in
            if let known = state.known { return (known, nil) }
            return (nil, startFetch(&state))
        }
        if let known { return known }
        do {
            return try await fetch!.value
        } catch {
            throw Problem(.serviceUnavailable, detail: "Replicate's webhook secret could not be fetched yet; try again shortly")
        }
    }

    /// A signature did not verify: fetch the secret again, unless it was fetched within the last minute.
    package func verificationFailed() {
        guard configured == nil, token != nil else { return }
        state.withLock { state in
            guard state.fetch == nil, state.fetchedAt.map({ ContinuousClock.now - $0 >= refreshInterval }) ?? true else { return }
            _ = startFetch(&state)
        }
    }

    /// At start: fetch until it succeeds (1 s, doubling to a minute between tries), so the first webhook finds it known;
    /// then wait for shutdown (a service that returns would end the gateway).
    package func run() async throws {
        await fetchUntilKnown()
        try? await gracefulShutdown()
    }

    /// Fetches until the secret is known (nothing to do when it is configured or there is no token).
    package func fetchUntilKnown() async {
        guard configured == nil, token != nil else { return }
        var pause = Duration.seconds(1)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if (try? await value()) != nil { return }
            logger.warning("Replicate's webhook secret could not be fetched; trying again", metadata: ["in_seconds": "\(pause.components.seconds)"])
            let wait = pause
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: wait) })) != nil else { return }
            pause = min(pause * 2, .seconds(60))
        }
    }

    /// The fetch in flight, or a new one (whose end records the secret, or leaves none in flight so a later call retries).
    private func startFetch(_ state: inout State) -> Task<String, any Error> {
        if let fetch = state.fetch { return fetch }
        let fetch = Task { [self] in
            do {
                let key = try await fetchSecret()
                self.state.withLock { $0 = State(known: key, fetch: nil, fetchedAt: .now) }
                return key
            } catch {
                self.state.withLock { $0.fetch = nil }
                throw error
            }
        }
        state.fetch = fetch
        return fetch
    }

    private func fetchSecret() async throws -> String {
        var request = HTTPClientRequest(url: "\(baseURL)/v1/webhooks/default/secret")
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? "")")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw Problem(.badGateway, detail: "Replicate answered \(response.status.code)") }
        struct Secret: Decodable { var key: String }
        return try JSONDecoder().decode(Secret.self, from: Data(buffer: try await response.body.collect(upTo: 1 << 16))).key
    }
}
