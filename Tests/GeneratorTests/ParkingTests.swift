import AsyncHTTPClient
import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing
import WireFormat

extension LifecycleTests {
    @Test("A running prediction is parked at once (202 with Retry-After), and a later delivery finishes it without a second create")
    func parkedPrediction() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"black-forest-labs/flux-dev": 2}}"#, parkAfter: .zero) { h in
            let generation = try await h.create(["prompt": "parked", "model_id": "black-forest-labs/flux-dev"])
            let first = try await h.run(generation, attempt: 1)
            #expect(first.status == 202 && (first.retryAfter.flatMap(Int.init) ?? 0) >= 1)
            let parked = try await h.reload(generation)
            #expect(parked.status == .processing && parked.replicatePredictionId != nil)
            // Delivered again as the dispatcher would after each Retry-After, every time as a new attempt.
            var attempt = 2
            while try await h.run(generation, attempt: attempt).status == 202, attempt < 50 {
                try await Task.sleep(for: .milliseconds(200))
                attempt += 1
            }
            #expect(try await h.reload(generation).status == .downloading)
            #expect(try await h.counter("predictions.created") == 1)
        }
    }
}

extension LifecycleTests {
    @Test("A parked prediction past its model's deadline, counted from the first create, is cancelled and fails the generation")
    func parkedPastDeadline() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"black-forest-labs/flux-dev": 600}}"#, parkAfter: .zero) { h in
            let generation = try await h.create(["prompt": "too slow", "model_id": "black-forest-labs/flux-dev"])
            #expect(try await h.run(generation, attempt: 1).status == 202)
            #expect(try await h.run(generation, attempt: 2).status == 202)
            // The first create started long ago: later deliveries must not restart the clock.
            try await h.client.query("UPDATE image_generations SET create_started_at = now() - interval '1 hour' WHERE id = \(generation.id)")
            #expect(try await h.run(generation, attempt: 3).outcome == "timed out")
            let after = try await h.reload(generation)
            #expect(after.status == .failed && after.errorCode == "timed_out")
            #expect(try await h.counter("predictions.cancel") == 1)
        }
    }
}

/// Parking with real processes: the dispatcher's concurrency no longer bounds how many predictions run at once.
@Suite("Parking")
struct ParkingTests {
    /// A simulator process at real time in which Imagen 4 Fast takes `seconds`; returns it and its URL.
    func simulator(taking seconds: Int, environment: [String: String] = [:]) async throws -> (ServiceProcess, String) {
        let process = try await ServiceProcess("replicate-simulator", environment: environment.merging(["SIMULATOR_TIME_SCALE": "1"]) { $1 })
        let url = "http://127.0.0.1:\(process.port)"
        var scenario = HTTPClientRequest(url: "\(url)/_simulator/scenario")
        scenario.method = .POST
        scenario.body = .bytes(.init(string: #"{"latency_overrides": {"google/imagen-4-fast": \#(seconds)}}"#))
        _ = try await HTTPClient.shared.execute(scenario, timeout: .seconds(5))
        return (process, url)
    }

    /// Simulator call counters.
    func counters(_ simulatorURL: String) async throws -> [String: JSONValue]? {
        let stats = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(simulatorURL)/_simulator/stats"), timeout: .seconds(5))
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: try await stats.body.collect(upTo: 1 << 20))).object?["counters"]?.object
    }

    @Test("Fifty generations of a 20-second model all run at Replicate at once with a generate-image concurrency of 2")
    func concurrencyIsNotTheLimit() async throws {
        try await TestDatabase.withClient { client, url in
            let database = url.connectionString
            let (simulator, simulatorURL) = try await simulator(taking: 20)
            let generator = try await ServiceProcess(
                "generator",
                environment: [
                    "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "REPLICATE_API_TOKEN": "r8_test",
                    "REPLICATE_BASE_URL": simulatorURL, "GENERATOR_PREFER_WAIT": "0",
                ])
            let dispatcher = try await ServiceProcess(
                "dispatcher",
                environment: [
                    "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "DISPATCH_POLL_MS": "100",
                    "DISPATCH_ROUTES": "generate-image=http://127.0.0.1:\(generator.port)", "DISPATCH_CONCURRENCY": "generate-image=2",
                ])
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "many at once", "model_id": "google/imagen-4-fast"])
            for _ in 0..<50 { _ = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h") }
            // Held pushes would allow two predictions per 20 s; parked ones let all fifty start within seconds (the create
            // calls do not wait: GENERATOR_PREFER_WAIT=0).
            try await eventually("all fifty predictions to be running at Replicate", timeout: .seconds(15)) {
                try await scalar(
                    client, "SELECT count(*)::int8 FROM image_generations WHERE status = 'processing' AND replicate_prediction_id IS NOT NULL",
                    as: Int.self
                ) == 50
            }
            dispatcher.stop(signal: SIGKILL)
            generator.stop(signal: SIGKILL)
            simulator.stop(signal: SIGKILL)
        }
    }

    @Test("With Replicate's webhooks, a parked generation is handed over by the webhook, with no poll")
    func webhookCompletes() async throws {
        try await TestDatabase.withClient { client, url in
            let database = url.connectionString
            let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            let (simulator, simulatorURL) = try await simulator(taking: 2, environment: ["SIMULATOR_WEBHOOK_SECRET": secret])
            let gateway = try await ServiceProcess(
                "gateway",
                environment: [
                    "DATABASE_URL": database, "AUTH_JWT_SECRET": TestSecrets.internalToken, "FILES_URL_SECRET": TestSecrets.internalToken,
                    "REPLICATE_WEBHOOK_SECRET": secret,
                    "GATEWAY_MIGRATE_ON_START": "false",
                ])
            let generator = try await ServiceProcess(
                "generator",
                environment: [
                    "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "REPLICATE_API_TOKEN": "r8_test",
                    "REPLICATE_BASE_URL": simulatorURL, "GENERATOR_PREFER_WAIT": "0", "GENERATOR_WEBHOOK_POLL_SECONDS": "600",
                    "REPLICATE_WEBHOOK_URL": "http://127.0.0.1:\(gateway.port)/v1/replicate/webhook",
                ])
            let dispatcher = try await ServiceProcess(
                "dispatcher",
                environment: [
                    "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "DISPATCH_POLL_MS": "100",
                    "DISPATCH_ROUTES": "generate-image=http://127.0.0.1:\(generator.port)",
                ])
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "told, not asked", "model_id": "google/imagen-4-fast"])
            let generation = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h").generation
            try await eventually("the webhook to hand the generation over", timeout: .seconds(20)) {
                try await store.find(generation.id)?.status == .downloading
            }
            let calls = try await counters(simulatorURL)
            #expect(calls?["predictions.get"] == nil || calls?["predictions.get"] == .int(0))
            #expect(calls?["predictions.created"] == .int(1))
            for process in [dispatcher, generator, gateway, simulator] { process.stop(signal: SIGKILL) }
        }
    }

    @Test("Killing the generator while 100 predictions are parked loses none and pays for none twice")
    func killWhileParked() async throws {
        try await TestDatabase.withClient { client, url in
            let database = url.connectionString
            let (simulator, simulatorURL) = try await simulator(taking: 8)
            let generatorEnvironment = [
                "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "REPLICATE_API_TOKEN": "r8_test",
                "REPLICATE_BASE_URL": simulatorURL, "GENERATOR_PREFER_WAIT": "0",
            ]
            let first = try await ServiceProcess("generator", environment: generatorEnvironment)
            // A second generator on another port takes over the route once the first is gone.
            let second = try await ServiceProcess("generator", environment: generatorEnvironment)
            let dispatcher = try await ServiceProcess(
                "dispatcher",
                environment: [
                    "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "DISPATCH_POLL_MS": "100",
                    "DISPATCH_ROUTES": "generate-image=http://127.0.0.1:\(first.port)", "DISPATCH_LEASE_SECONDS": "2",
                ])
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "survives", "model_id": "google/imagen-4-fast"])
            for _ in 0..<100 { _ = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h") }
            @Sendable func count(_ condition: String) async throws -> Int {
                try await scalar(client, PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM image_generations WHERE \(condition)"), as: Int.self)
            }
            try await eventually("all hundred predictions to be created and recorded", timeout: .seconds(30)) {
                try await count("replicate_prediction_id IS NOT NULL") == 100
            }
            first.stop(signal: SIGKILL)
            dispatcher.stop(signal: SIGKILL)
            let rerouted = try await ServiceProcess(
                "dispatcher",
                environment: [
                    "DATABASE_URL": database, "INTERNAL_TOKEN": TestSecrets.internalToken, "DISPATCH_POLL_MS": "100",
                    "DISPATCH_ROUTES": "generate-image=http://127.0.0.1:\(second.port)", "DISPATCH_LEASE_SECONDS": "2",
                ])
            try await eventually("every generation to be handed over", timeout: .seconds(60)) {
                try await count("status = 'downloading'") == 100
            }
            #expect(try await counters(simulatorURL)?["predictions.created"] == .int(100))
            for process in [rerouted, second, simulator] { process.stop(signal: SIGKILL) }
        }
    }
}
