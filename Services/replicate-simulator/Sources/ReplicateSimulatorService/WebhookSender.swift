import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ReplicateAPI
import ServiceKit
import ServiceLifecycle

/// Delivers webhooks for predictions that asked for them: `start` and `completed` as they happen, the terminal one retried
/// with backoff for about a minute, every body signed with Replicate's scheme.
final class WebhookSender: Service, Sendable {
    private let registry: PredictionRegistry
    private let secret: String
    private let baseURL: @Sendable () -> String
    private let logger: Logger
    private let (requests, continuation) = AsyncStream.makeStream(of: String.self)
    /// Replicate sends from a fleet: many connections to one receiver at once, not HTTP/1's usual handful.
    private let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256))
    )

    init(registry: PredictionRegistry, secret: String, baseURL: @escaping @Sendable () -> String, logger: Logger) {
        self.registry = registry
        self.secret = secret
        self.baseURL = baseURL
        self.logger = logger
    }

    /// Schedules delivery for prediction `id`.
    func schedule(_ id: String) { continuation.yield(id) }

    func run() async throws {
        try await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await id in requests {
                    group.addTask { await self.deliver(id) }
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        try await http.shutdown()
    }

    private func deliver(_ id: String) async {
        guard let prediction = await registry.get(id), let url = prediction.webhook else { return }
        let events = prediction.webhookEvents
        if events.contains("start") {
            try? await Task.sleep(for: .seconds(max(0, prediction.startedAt.timeIntervalSinceNow)))
            await send(id, to: url, retries: 0)
        }
        // While it runs, new log lines are announced at most every 500 ms (never retried), like Replicate's throttling.
        var lastLines: Int?
        while let current = await registry.get(id), !current.status(at: Date()).isTerminal {
            if events.contains("logs"), current.status(at: Date()) == .processing {
                let lines = current.progressLines(at: Date())
                if lines != lastLines {
                    lastLines = lines
                    await send(id, to: url, retries: 0)
                }
            }
            let wait = max(0.05, min((current.completedAt ?? Date()).timeIntervalSinceNow, 0.5))
            try? await Task.sleep(for: .seconds(wait))
        }
        // Outputs appear all at once at the end, so `output` and `completed` are one terminal delivery, retried for about a minute.
        if events.contains("completed") || events.contains("output") {
            await send(id, to: url, retries: 6)
        }
    }

    private func send(_ id: String, to url: String, retries: Int) async {
        guard let prediction = await registry.get(id) else { return }
        let base = baseURL()
        let snapshot = prediction.snapshot(at: Date(), baseURL: base) { "\(base)/files/\(id)/out-\($0).\(prediction.outputExtension)" }
        guard let body = try? JSONEncoder().encode(snapshot) else { return }
        let messageID = "msg_" + makePredictionID()
        var delay = Duration.seconds(1)
        for attempt in 0...retries {
            let timestamp = Int(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "webhook-id", value: messageID)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(
                name: "webhook-signature", value: WebhookSignature.sign(secret: secret, id: messageID, timestamp: timestamp, body: Array(body)) ?? "")
            request.body = .bytes(ByteBuffer(bytes: body))
            if let response = try? await http.execute(request, timeout: .seconds(10)),
                (200..<300).contains(Int(response.status.code))
            {
                await registry.count("webhooks.delivered")
                return
            }
            await registry.count("webhooks.failed_attempts")
            if attempt < retries {
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        logger.warning("Webhook undeliverable", metadata: ["prediction.id": "\(id)"])
    }
}
