import ArgumentParser
import Database
import Foundation
import Hummingbird
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Client webhooks through the dispatcher and the notifier to receivers in this process: completion → webhook received
/// at a steady rate, the same while a receiver hangs, and sustained deliveries per second for a burst. Generations are
/// written straight to the database and finished by one UPDATE each (the trigger enqueues their deliveries), so the
/// figures are the notifier path's own.
struct NotifierBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notifier", abstract: "Webhook delivery latency and throughput.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Port of the receiver that answers at once (its origin must be in the notifier's WEBHOOK_ALLOWED_ORIGINS).")
    var receiverPort: Int
    @Option(help: "Port of the receiver that never answers in time.") var hangingPort: Int
    @Option var rate = 50
    @Option var seconds = 10
    @Option var burst = 20_000

    func run() async throws {
        let received = Arrivals()
        let router = Router()
        router.post("ok") { request, _ in
            let at = Date().timeIntervalSince1970
            let body = try await request.body.collect(upTo: 1 << 20)
            struct Event: Decodable { var id: String }
            let id = try JSONDecoder().decode(Event.self, from: Data(buffer: body)).id
            received.times.withLock { $0[id] = at }
            return Response(status: .noContent)
        }
        let hanging = Router()
        hanging.post("hang") { _, _ in
            try await Task.sleep(for: .seconds(60))
            return Response(status: .noContent)
        }
        let receivers = ServiceGroup(
            configuration: .init(
                services: [
                    Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort))),
                    Application(router: hanging, configuration: .init(address: .hostname("127.0.0.1", port: hangingPort))),
                ],
                logger: benchmarkLogger
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receivers.run() }
            defer { group.cancelAll() }
            try await Task.sleep(for: .milliseconds(500))
            try await withPostgresClient(try database.url(), maxConnections: 8, logger: benchmarkLogger) { client in
                let ok = "http://127.0.0.1:\(receiverPort)/ok"
                let steady = try await latency(client, received: received, target: ok, label: "steady")
                print("notifier: completion → webhook received at \(rate)/s: \(steady.summary)")
                // The same while 200 deliveries wait on a receiver that never answers in time.
                _ = try await finish(client, try await insert(client, count: 200, webhook: "http://127.0.0.1:\(hangingPort)/hang"))
                let beside = try await latency(client, received: received, target: ok, label: "beside")
                print("notifier: same, beside a hanging receiver with 200 deliveries waiting: \(beside.summary)")
                // Throughput: a burst of deliveries enqueued by one statement.
                let ids = try await insert(client, count: burst, webhook: ok)
                let start = Date().timeIntervalSince1970
                _ = try await finish(client, ids)
                let enqueued = Date().timeIntervalSince1970
                let wanted = Set(ids.map { $0.uuidString.lowercased() })
                while received.times.withLock({ got in wanted.filter { got[$0] != nil }.count }) < wanted.count {
                    try await Task.sleep(for: .milliseconds(200))
                    if Date().timeIntervalSince1970 - start > 600 { throw ValidationError("the burst did not arrive within 10 minutes") }
                }
                let arrivals = received.times.withLock { got in wanted.compactMap { got[$0] } }
                let (first, last) = (arrivals.min() ?? start, arrivals.max() ?? start)
                print(
                    String(
                        format:
                            "notifier: a burst of %d deliveries: enqueued by one UPDATE in %.1f s, then delivered in %.1f s: %.0f deliveries/s (%.0f/s counting the UPDATE)",
                        burst, enqueued - start, last - first, Double(burst - 1) / (last - first), Double(burst) / (last - start)
                    ))
            }
        }
    }

    /// Finishes `rate` generations a second for `seconds`, each by one UPDATE, and reports UPDATE → received.
    private func latency(_ client: PostgresClient, received: Arrivals, target: String, label: String) async throws -> LatencyReport {
        let ids = try await insert(client, count: rate * seconds, webhook: target)
        var finished: [String: Double] = [:]
        let interval = 1.0 / Double(rate)
        let begin = ContinuousClock.now
        for (index, id) in ids.enumerated() {
            try await Task.sleep(until: begin + .milliseconds(Int64(Double(index) * interval * 1000)), clock: .continuous)
            finished[id.uuidString.lowercased()] = try await finish(client, [id])
        }
        try await Task.sleep(for: .seconds(5))
        var report = LatencyReport()
        received.times.withLock { got in
            for (id, at) in finished { if let arrived = got[id] { report.record(.milliseconds(Int64(max(0, arrived - at) * 1000))) } }
        }
        guard report.count == UInt64(ids.count) else { throw ValidationError("\(label): \(report.count) of \(ids.count) webhooks arrived") }
        return report
    }

    /// Generations that want their `completed` event at `webhook`, written straight to the table.
    private func insert(_ client: PostgresClient, count: Int, webhook: String) async throws -> [UUID] {
        let rows = try await client.query(
            """
            INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status, webhook, webhook_events_filter)
            SELECT gen_random_uuid(), 'notifier benchmark', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, 'pending',
                   \(webhook), ARRAY['completed'] FROM generate_series(1, \(count)) RETURNING id
            """
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// Ends `ids` (cancelled: a terminal status, so their `completed` event fires); returns when it began, on this clock.
    private func finish(_ client: PostgresClient, _ ids: [UUID]) async throws -> Double {
        let began = Date().timeIntervalSince1970
        try await client.query("UPDATE image_generations SET status = 'cancelled', completed_at = now() WHERE id = ANY(\(ids))")
        return began
    }
}

/// When each generation's webhook arrived (Unix seconds), by generation id.
final class Arrivals: Sendable {
    let times = Mutex<[String: Double]>([:])
}
