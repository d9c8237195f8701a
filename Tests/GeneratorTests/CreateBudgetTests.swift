import AsyncHTTPClient
import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// Replicate's create limit is one budget for all generators: kept in PostgreSQL, closed by a 429 for its Retry-After.
@Suite("Shared create budget")
struct CreateBudgetTests {
    @Test("Three generator processes against a simulator limited to 30 creates a minute: none exceeds it, no 429 fails a generation")
    func threeGenerators() async throws {
        try await TestDatabase.withClient { client, url in
            let database = url.connectionString
            let simulator = try await ServiceProcess(
                "replicate-simulator",
                environment: [
                    "SIMULATOR_TIME_SCALE": "0.01", "SIMULATOR_CREATE_RATE_PER_MINUTE": "30",
                ])
            let simulatorURL = "http://127.0.0.1:\(simulator.port)"
            var generators: [ServiceProcess] = []
            for _ in 0..<3 {
                generators.append(
                    try await ServiceProcess(
                        "generator",
                        environment: [
                            "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "REPLICATE_API_TOKEN": "r8_test",
                            "REPLICATE_BASE_URL": simulatorURL, "REPLICATE_CREATE_RATE_PER_MINUTE": "30",
                        ]))
            }
            let routes = generators.map { "generate-image=http://127.0.0.1:\($0.port)" }
            // Three dispatchers, each pushing to its own generator: the generators share nothing but the database.
            var dispatchers: [ServiceProcess] = []
            for route in routes {
                dispatchers.append(
                    try await ServiceProcess(
                        "dispatcher",
                        environment: [
                            "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "DISPATCH_POLL_MS": "100",
                            "DISPATCH_ROUTES": route,
                        ]))
            }
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "budget", "model_id": "black-forest-labs/flux-schnell"])
            for _ in 0..<12 { _ = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h") }
            // The burst is a tenth of the rate (3); the rest comes at 27 a minute, one every 2.2 s.
            try await eventually("the three allowed at once to start", timeout: .seconds(20)) {
                try await scalar(client, "SELECT count(*)::int8 FROM image_generations WHERE replicate_prediction_id IS NOT NULL", as: Int.self) >= 3
            }
            try await eventually("all twelve to complete their predictions", timeout: .seconds(60)) {
                try await scalar(client, "SELECT count(*)::int8 FROM image_generations WHERE replicate_prediction_id IS NOT NULL", as: Int.self) == 12
            }
            // From the third create to the twelfth, as the generators recorded them starting (not when this test saw them,
            // which a loaded machine delays).
            var starts: [Date] = []
            for try await at in try await client.query("SELECT create_started_at FROM image_generations ORDER BY create_started_at").decode(Date.self)
            {
                starts.append(at)
            }
            let elapsed = Duration.seconds(starts[11].timeIntervalSince(starts[2]))
            let stats = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(simulatorURL)/_simulator/stats"), timeout: .seconds(5))
            let counters = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: try await stats.body.collect(upTo: 1 << 20))).object?[
                "counters"]?.object
            #expect(counters?["predictions.create.throttled"] == nil, "the simulator refused creates: \(String(describing: counters))")
            #expect(counters?["predictions.create"] == .int(12))
            // Nine more after the first three, at 27 a minute: about 20 s, not the fraction of a second three unshared
            // budgets would allow.
            #expect(elapsed > .seconds(15), "nine creates after the burst took \(elapsed)")
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM image_generations WHERE status = 'failed'", as: Int.self) == 0)
            for process in dispatchers + generators + [simulator] { process.stop(signal: SIGKILL) }
        }
    }

    @Test("A 429 closes the budget for every generator until its Retry-After has passed")
    func closedByThrottle() async throws {
        try await TestDatabase.withClient { client, _ in
            let budget = ReplicateCreateBudget(client: client, perMinute: 600, logger: TestDatabase.logger)
            #expect(try await budget.take() == nil)
            try await budget.close(for: .seconds(30))
            let wait = try #require(try await budget.take())
            #expect(wait > .seconds(28) && wait <= .seconds(30))
            // Another generator, same database: the same answer.
            let other = ReplicateCreateBudget(client: client, perMinute: 600, logger: TestDatabase.logger)
            #expect(try await other.take() != nil)
        }
    }
}
