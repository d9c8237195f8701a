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

    /// Generations to take creates for (a promise is kept against its generation).
    func generations(_ count: Int, client: PostgresClient) async throws -> [UUID] {
        let store = GenerationStore(client: client, logger: TestDatabase.logger)
        let request = try GenerationRequest.validate(["prompt": "budget", "model_id": "black-forest-labs/flux-schnell"])
        var ids: [UUID] = []
        for _ in 0..<count { ids.append(try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h").generation.id) }
        return ids
    }

    func promised(_ client: PostgresClient) async throws -> Int {
        try await scalar(client, "SELECT count(*)::int8 FROM replicate_create_reservations", as: Int.self)
    }

    func promisedSlots(_ client: PostgresClient) async throws -> [Date] {
        var slots: [Date] = []
        for try await slot in try await client.query("SELECT slot_at FROM replicate_create_reservations ORDER BY slot_at").decode(Date.self) {
            slots.append(slot)
        }
        return slots
    }

    @Test("A 429 closes the budget for every generator until its Retry-After has passed, and voids every promised slot")
    func closedByThrottle() async throws {
        try await TestDatabase.withClient { client, _ in
            let ids = try await generations(8, client: client)
            // 60 a minute: 6 at once, then one every 1.11 s; the seventh and eighth are promised slots.
            let budget = ReplicateCreateBudget(client: client, perMinute: 60, logger: TestDatabase.logger)
            for id in ids.prefix(6) { #expect(try await budget.take(for: id) == nil) }
            #expect(try await budget.take(for: ids[6]) != nil)
            #expect(try await budget.take(for: ids[7]) != nil)
            #expect(try await promised(client) == 2)
            try await budget.close(for: .milliseconds(30_500))
            #expect(try await promised(client) == 0)
            let wait = try #require(try await budget.take(for: ids[6]))
            #expect(wait > .seconds(30) && wait <= .milliseconds(30_500), "closed for \(wait)")
            #expect(try await promised(client) == 0)
            // Another generator, same database: the same answer.
            let other = ReplicateCreateBudget(client: client, perMinute: 60, logger: TestDatabase.logger)
            #expect(try await other.take(for: ids[7]) != nil)
        }
    }

    @Test("A create refused is promised its own slot within the horizon and creates there without taking again; past the horizon it asks again later")
    func promisedSlots() async throws {
        try await TestDatabase.withClient { client, _ in
            // 30 a minute: 3 at once, then 27 a minute, one every 2.22 s, so the horizon (5 s) holds 2 promises and the
            // third slot, 6.67 s away, is not promised.
            let budget = ReplicateCreateBudget(client: client, perMinute: 30, logger: TestDatabase.logger)
            let step = 60.0 / 27
            let ids = try await generations(7, client: client)
            for id in ids.prefix(3) { #expect(try await budget.take(for: id) == nil) }
            let first = try #require(try await budget.take(for: ids[3])).seconds
            let second = try #require(try await budget.take(for: ids[4])).seconds
            #expect(first > 0 && first < second && second <= ReplicateCreateBudget.horizon.seconds)
            // Each its own slot, one refill apart.
            let slots = try await promisedSlots(client)
            #expect(slots.count == 2 && abs(slots[1].timeIntervalSince(slots[0]) - step) < 0.01, "promised \(slots)")
            // The third slot is beyond the horizon: not promised; ask again once the horizon has moved on.
            let beyond = try #require(try await budget.take(for: ids[5])).seconds
            #expect(beyond >= ReplicateCreateBudget.horizon.seconds && beyond < ReplicateCreateBudget.horizon.seconds + 1)
            #expect(try await promised(client) == 2)
            // Asking again before its slot: the rest of the same wait, and no second slot.
            let again = try #require(try await budget.take(for: ids[3])).seconds
            #expect(again <= first && again > 0)
            #expect(try await promised(client) == 2)
            // At its slot it creates, without taking a token, and its promise is gone.
            try await Task.sleep(for: .seconds(again))
            #expect(try await budget.take(for: ids[3]) == nil)
            #expect(try await promised(client) == 1)
            // The budget still owes the other promise: a new create is promised the slot after it.
            _ = try #require(try await budget.take(for: ids[6]))
            let now = try await promisedSlots(client)
            #expect(now.count == 2 && abs(now[1].timeIntervalSince(slots[1]) - step) < 0.01, "slots now \(now), before \(slots)")
        }
    }
}
