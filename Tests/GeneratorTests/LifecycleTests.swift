import AsyncHTTPClient
import Catalog
import Database
import Foundation
import Generations
import GeneratorService
import Hummingbird
import HummingbirdTesting
import JobContract
import JobQueue
import Logging
import PostgresNIO
import ReplicateAPI
import ReplicateSimulatorService
import ServiceKit
import TestSupport
import Testing
import WireFormat

/// The generator's prediction lifecycle against the simulator over real HTTP and a real PostgreSQL.
@Suite("Generator lifecycle")
struct LifecycleTests {
    /// A simulator on a real port, a generator app (driven through its job endpoint) pointed at it, and a database.
    struct Harness: Sendable {
        let client: PostgresClient
        let generator: any TestClientProtocol
        let simulator: String

        func create(_ body: [String: JSONValue]) async throws -> Generation {
            let request = try GenerationRequest.validate(body)
            return try await GenerationStore(client: client, logger: TestDatabase.logger)
                .create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h").generation
        }

        /// Pushes the generation's job like the dispatcher would; returns the HTTP status, Retry-After and the outcome.
        func run(_ generation: Generation, attempt: Int = 1) async throws -> (status: Int, retryAfter: String?, outcome: String?) {
            let payload = GenerationJobPayload(generationId: generation.id, userId: generation.userId)
            let job = try await JobQueue(client: client, logger: TestDatabase.logger).firstJob(dedupeKey: GenerateImage.dedupeKey(generation.id))
            let body = try JobEnvelope(
                job: .init(id: job ?? UUID(), type: GenerateImage.name, attempt: attempt, maxAttempts: 5, payload: payload)
            ).encode()
            let response = try await generator.execute(
                uri: "/v1/jobs/\(GenerateImage.name)", method: .post,
                headers: [.authorization: "Bearer \(TestSecrets.internalToken)", .contentType: "application/json"], body: ByteBuffer(data: body)
            )
            let result = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body))
            return (Int(response.status.code), response.headers[.retryAfter], result?.object?["outcome"]?.string)
        }

        func reload(_ generation: Generation) async throws -> Generation {
            try #require(try await GenerationStore(client: client, logger: TestDatabase.logger).find(generation.id))
        }

        func counter(_ name: String) async throws -> Int {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(simulator)/_simulator/stats"), timeout: .seconds(5))
            struct Stats: Decodable { var counters: [String: Int] }
            return try JSONDecoder().decode(Stats.self, from: Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
                .counters[name, default: 0]
        }

        /// The input the simulator received for prediction `id`.
        func predictionInput(_ id: String) async throws -> [String: JSONValue] {
            var request = HTTPClientRequest(url: "\(simulator)/v1/predictions/\(id)")
            request.headers.add(name: "Authorization", value: "Bearer r8_test")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
            return body.object?["input"]?.object ?? [:]
        }

        func scenario(_ json: String) async throws {
            var request = HTTPClientRequest(url: "\(simulator)/_simulator/scenario")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: json))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            guard response.status == .ok else { throw HTTPClientError.invalidURL }
        }
    }

    func withHarness(
        _ scenario: String = #"{"time_scale": 0}"#, parkAfter: Duration? = nil, outageTolerance: Duration = .seconds(1800),
        breakerThreshold: Int = 5, _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let logger = TestDatabase.logger
        let simulatorApp = buildSimulator(config: SimulatorConfig(), logger: logger)
        try await simulatorApp.test(.live) { sim in
            let simulator = "http://127.0.0.1:\(sim.port!)"
            try await TestDatabase.withClient { client, url in
                let config = GeneratorConfig(
                    database: url, internalToken: TestSecrets.internalToken, replicateToken: "r8_test", replicateBaseURL: simulator, preferWait: 1,
                    pollMax: .milliseconds(100), parkAfter: parkAfter, outageTolerance: outageTolerance, breakerThreshold: breakerThreshold
                )
                try await buildGenerator(config: config, logger: logger).test(.router) { generator in
                    let harness = Harness(client: client, generator: generator, simulator: simulator)
                    try await harness.scenario(scenario)
                    try await body(harness)
                }
            }
        }
    }

    @Test("A fast model finishes inside the wait window: one create call, no polling, hand-over to the downloader")
    func syncFinish() async throws {
        try await withHarness { h in
            let generation = try await h.create([
                "prompt": .string("a cat"), "model_id": .string("black-forest-labs/flux-schnell"), "num_outputs": .int(2),
            ])
            #expect(try await h.run(generation).status == 200)
            let after = try await h.reload(generation)
            #expect(after.status == .downloading)
            #expect(after.outputUrls?.count == 2)
            #expect(after.replicatePredictionId != nil)
            #expect(after.progress == 100)
            #expect(try await h.counter("predictions.create") == 1)
            #expect(try await h.counter("predictions.get") == 0)
            let jobs = try await scalar(h.client, "SELECT count(*)::int8 FROM job_queue WHERE job_type = 'download-image'", as: Int.self)
            #expect(jobs == 1)
        }
    }

    @Test("A slow model is polled to completion with progress recorded")
    func longPoll() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"black-forest-labs/flux-schnell": 4}}"#) { h in
            let generation = try await h.create(["prompt": .string("slow"), "model_id": .string("black-forest-labs/flux-schnell")])
            #expect(try await h.run(generation).status == 200)
            #expect(try await h.reload(generation).status == .downloading)
            #expect(try await h.counter("predictions.get") >= 1)
            let progressEvents = try await scalar(
                h.client,
                "SELECT count(DISTINCT progress)::int8 FROM generation_events WHERE generation_id = \(generation.id) AND status = 'processing'",
                as: Int.self
            )
            #expect(progressEvents >= 2)
        }
    }

    @Test(
        "Model failures and safety refusals fail the generation with Replicate's message and are not retried: a refusal as content_filtered",
        arguments: [
            ("[fail] x", "google/imagen-4-fast", "CUDA", "model_failed"),
            ("[nsfw] x", "google/imagen-4-fast", "Responsible AI", "content_filtered"),
            ("[nsfw] x", "black-forest-labs/flux-1.1-pro", "flagged as sensitive", "content_filtered"),
            ("[nsfw] x", "stability-ai/sdxl", "NSFW content detected", "content_filtered"),
        ])
    func modelFailure(prompt: String, model: String, needle: String, code: String) async throws {
        try await withHarness { h in
            let generation = try await h.create(["prompt": .string(prompt), "model_id": .string(model)])
            #expect(try await h.run(generation).status == 200)
            let after = try await h.reload(generation)
            #expect(after.status == .failed)
            #expect(after.errorMessage?.contains(needle) == true, "\(after.errorMessage ?? "")")
            #expect(after.errorCode == code)
        }
    }

    @Test("safety_level reaches each model's own input; relaxed turns a community model's checker off, so it does not refuse")
    func safetyLevel() async throws {
        try await withHarness { h in
            let relaxed = try await h.create([
                "prompt": .string("[nsfw] x"), "model_id": .string("stability-ai/sdxl"), "safety_level": .string("relaxed"),
            ])
            #expect(try await h.run(relaxed).status == 200)
            #expect(try await h.reload(relaxed).status != .failed)
            let strict = try await h.create(
                [
                    "prompt": .string("x"), "model_id": .string("black-forest-labs/flux-1.1-pro"), "safety_level": .string("strict"),
                    "output_format": .string("png"),
                ])
            #expect(try await h.run(strict).status == 200)
            let prediction = try #require(try await h.reload(strict).replicatePredictionId)
            let input = try await h.predictionInput(prediction)
            #expect(input["safety_tolerance"] == .int(1) && input["output_format"] == .string("png"), "\(input)")
        }
    }

    @Test("A prediction whose outputs Replicate already deleted (data_removed) fails the generation saying so, not retried")
    func outputsRemoved() async throws {
        try await withHarness(#"{"time_scale": 0, "retention_seconds": 0}"#) { h in
            let generation = try await h.create(["prompt": .string("late"), "model_id": .string("black-forest-labs/flux-schnell")])
            #expect(try await h.run(generation).status == 200)
            let after = try await h.reload(generation)
            #expect(after.status == .failed)
            #expect(after.errorMessage == "Replicate deleted the images before they could be stored (it keeps them for an hour)")
        }
    }

    @Test("A 5xx on create snoozes the job (no attempt spent); the next delivery creates exactly one prediction")
    func serverErrorThenSuccess() async throws {
        try await withHarness(#"{"time_scale": 0, "create5xx_rate": 1}"#) { h in
            let generation = try await h.create(["prompt": .string("x"), "model_id": .string("google/imagen-4-fast")])
            #expect(try await h.run(generation).status == 202)
            #expect(try await h.reload(generation).replicatePredictionId == nil)
            try await h.scenario(#"{"create5xx_rate": 0}"#)
            #expect(try await h.run(generation, attempt: 2).status == 200)
            #expect(try await h.reload(generation).status == .downloading)
            #expect(try await h.counter("predictions.created") == 1)
        }
    }

    @Test("A create whose answer was lost (the prediction exists, the caller saw a 504) is adopted on retry, not paid twice")
    func lostCreateIsAdopted() async throws {
        try await withHarness(#"{"time_scale": 0, "create_lost_rate": 1}"#) { h in
            // Another generation's prediction with a different input must not be taken for it.
            let other = try await h.create(["prompt": .string("another"), "model_id": .string("google/imagen-4-fast")])
            let generation = try await h.create(["prompt": .string("lost answer"), "model_id": .string("google/imagen-4-fast")])
            #expect(try await h.run(other).status == 202)
            #expect(try await h.run(generation).status == 202)
            #expect(try await h.reload(generation).replicatePredictionId == nil)
            #expect(try await h.counter("predictions.created") == 2)
            try await h.scenario(#"{"create_lost_rate": 0}"#)
            #expect(try await h.run(generation, attempt: 2).status == 200)
            let adopted = try await h.reload(generation)
            #expect(adopted.status == .downloading)
            #expect(try await h.counter("predictions.created") == 2)
            // The other generation adopts its own prediction, not the one just taken.
            #expect(try await h.run(other, attempt: 2).status == 200)
            let otherAdopted = try await h.reload(other)
            #expect(otherAdopted.status == .downloading)
            #expect(try await h.counter("predictions.created") == 2)
            #expect(adopted.replicatePredictionId != nil && otherAdopted.replicatePredictionId != nil)
            #expect(adopted.replicatePredictionId != otherAdopted.replicatePredictionId)
        }
    }

    @Test("A 429 on create snoozes the job for Replicate's Retry-After, spending no attempt and failing nothing")
    func throttled() async throws {
        try await withHarness(#"{"time_scale": 0, "create429_rate": 1}"#) { h in
            let generation = try await h.create(["prompt": .string("x"), "model_id": .string("google/imagen-4-fast")])
            let (status, retryAfter, _) = try await h.run(generation)
            #expect(status == 202)
            #expect(retryAfter == "1")
            #expect(try await h.reload(generation).status != .failed)
        }
    }

    @Test("Cancelling the generation mid-run cancels the prediction at Replicate")
    func cancelMidRun() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"bytedance/seedream-4": 20}}"#) { h in
            let generation = try await h.create(["prompt": .string("x"), "model_id": .string("bytedance/seedream-4")])
            async let outcome = h.run(generation)
            try await eventually("the prediction to be recorded") { try await h.reload(generation).replicatePredictionId != nil }
            _ = try await GenerationStore(client: h.client, logger: TestDatabase.logger).cancel(generation.id, userID: generation.userId)
            #expect(try await outcome.status == 200)
            #expect(try await h.counter("predictions.cancel") == 1)
            #expect(try await h.reload(generation).status == .cancelled)
        }
    }

    @Test("After a crash mid-prediction, the retry resumes the recorded prediction instead of paying for a second")
    func resumeAfterCrash() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"black-forest-labs/flux-dev": 2}}"#) { h in
            let generation = try await h.create(["prompt": .string("x"), "model_id": .string("black-forest-labs/flux-dev")])
            let crashed = Task { try await h.run(generation) }
            try await eventually("the prediction to be recorded") { try await h.reload(generation).replicatePredictionId != nil }
            crashed.cancel()  // the attempt dies while polling
            _ = try? await crashed.value
            #expect(try await h.run(generation, attempt: 2).status == 200)
            #expect(try await h.reload(generation).status == .downloading)
            #expect(try await h.counter("predictions.created") == 1)
        }
    }

    @Test("Every catalog model runs end to end on the simulator through the generator", arguments: ModelCatalog.all.map(\.id))
    func everyModelRuns(model: String) async throws {
        try await withHarness { h in
            let generation = try await h.create([
                "prompt": .string("a lighthouse"), "model_id": .string(model), "width": .int(1024), "height": .int(768),
            ])
            #expect(try await h.run(generation).status == 200)
            let after = try await h.reload(generation)
            #expect(after.status == .downloading, "\(model): \(after.status) \(after.errorMessage ?? "")")
        }
    }
}
