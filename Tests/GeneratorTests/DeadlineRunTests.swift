import AsyncHTTPClient
import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import ReplicateAPI
import TestSupport
import Testing
import WireFormat

/// A request's deadline in the generator and the dispatcher's upkeep: never started by then, no Replicate call; started,
/// Replicate is told the rest as its own Cancel-After and stops the prediction then.
extension LifecycleTests {
    func setDeadline(_ h: Harness, _ generation: Generation, secondsFromNow: Double) async throws {
        try await h.client.query(
            "UPDATE image_generations SET deadline_at = now() + \(secondsFromNow) * interval '1 second' WHERE id = \(generation.id)")
    }

    @Test("A generation whose deadline passed before it started fails timed_out without a Replicate call")
    func deadlinePassedBeforeStart() async throws {
        try await withHarness { h in
            let generation = try await h.create(["prompt": "too late", "model_id": "black-forest-labs/flux-schnell"])
            try await setDeadline(h, generation, secondsFromNow: -1)
            #expect(try await h.run(generation).outcome == "deadline passed")
            let after = try await h.reload(generation)
            #expect(after.status == .failed)
            #expect(after.errorCode == "timed_out")
            #expect(after.errorMessage == GenerationFailure.deadlineReached.message)
            #expect(try await h.counter("predictions.create") == 0)
        }
    }

    @Test("The dispatcher's upkeep fails waiting generations past their deadline and cancels their jobs; others are untouched")
    func deadlineExpiresWhileQueued() async throws {
        try await withHarness { h in
            let late = try await h.create(["prompt": "waited too long", "model_id": "black-forest-labs/flux-schnell"])
            let onTime = try await h.create(["prompt": "still in time", "model_id": "black-forest-labs/flux-schnell"])
            try await setDeadline(h, late, secondsFromNow: -1)
            try await setDeadline(h, onTime, secondsFromNow: 600)
            let store = GenerationStore(client: h.client, logger: TestDatabase.logger)
            #expect(try await store.expireDeadlines() == 1)
            #expect(try await h.reload(late).status == .failed)
            #expect(try await h.reload(late).errorCode == "timed_out")
            #expect(try await h.reload(onTime).status == .queued)
            let jobStatus = try await scalar(
                h.client, "SELECT status FROM job_queue WHERE dedupe_key = \(GenerateImage.dedupeKey(late.id))", as: String.self)
            #expect(jobStatus == "cancelled")
            #expect(try await store.expireDeadlines() == 0)
            #expect(try await h.counter("predictions.create") == 0)
        }
    }

    @Test("A started generation hands the rest of its deadline to Replicate as Cancel-After: the prediction stops then, timed_out, billed")
    func deadlineForwardedAsCancelAfter() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"stability-ai/sdxl": 30}}"#, parkAfter: .zero) { h in
            let generation = try await h.create(["prompt": "cut short", "model_id": "stability-ai/sdxl"])
            try await setDeadline(h, generation, secondsFromNow: 10)
            let parked = try await h.run(generation)
            #expect(parked.status == 202, "\(parked)")
            // Parked no later than the deadline.
            #expect(Double(parked.retryAfter ?? "99").map { $0 <= 10 } == true, "\(parked)")
            let predictionID = try #require(try await h.reload(generation).replicatePredictionId)
            var request = HTTPClientRequest(url: "\(h.simulator)/v1/predictions/\(predictionID)")
            request.headers.add(name: "Authorization", value: "Bearer r8_test")
            let answer = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let prediction = try JSONDecoder().decode(Prediction.self, from: Data(try await answer.body.collect(upTo: 1 << 20).readableBytesView))
            let deadline = try #require(prediction.deadline.flatMap(Timestamp.parse))
            // What the generator had left when it created the prediction (whole seconds, rounded up).
            let generationDeadline = try #require(try await h.reload(generation).deadlineAt)
            #expect(abs(deadline.timeIntervalSince(generationDeadline)) < 2)
            try await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSinceNow) + 0.5))
            _ = try await h.run(generation, attempt: 2)
            let after = try await h.reload(generation)
            #expect(after.status == .failed)
            #expect(after.errorCode == "timed_out")
            // gpu-l40s for the second or two it ran.
            #expect((after.cost ?? 0) > 0.0009)
        }
    }
}
