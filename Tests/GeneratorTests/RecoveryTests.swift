import Foundation
import Generations
import PostgresNIO
import Testing
import TestSupport

extension LifecycleTests {
    @Test("A delivery that was superseded stops without writing; the later one finishes the same prediction")
    func supersededDelivery() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"black-forest-labs/flux-dev": 3}}"#) { h in
            let generation = try await h.create(["prompt": "x", "model_id": "black-forest-labs/flux-dev"])
            async let first = h.run(generation, attempt: 1)
            try await eventually("the prediction to be recorded") { try await h.reload(generation).replicatePredictionId != nil }
            // Its lease was lost (or it was released at shutdown): the job is delivered again while the first still runs.
            let second = try await h.run(generation, attempt: 2)
            #expect(second.outcome == "succeeded")
            #expect(try await first.outcome == "superseded")
            #expect(try await h.counter("predictions.created") == 1)
            #expect(try await h.reload(generation).status == .downloading)
        }
    }

    @Test("A generation cancelled while its job waits out a retry's backoff has its prediction cancelled at once")
    func cancelDuringRetryWait() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"bytedance/seedream-4": 20}}"#) { h in
            let generation = try await h.create(["prompt": "x", "model_id": "bytedance/seedream-4"])
            let crashed = Task { try await h.run(generation) }
            try await eventually("the prediction to be recorded") { try await h.reload(generation).replicatePredictionId != nil }
            crashed.cancel()
            _ = try? await crashed.value
            let key = GenerateImage.dedupeKey(generation.id)
            try await h.client.query("UPDATE job_queue SET run_at = now() + interval '1 hour' WHERE dedupe_key = \(key)")
            _ = try await GenerationStore(client: h.client, logger: TestDatabase.logger).cancel(generation.id, userID: generation.userId)
            let (status, runnable) = try await firstRow(
                h.client, "SELECT status, run_at <= now() FROM job_queue WHERE dedupe_key = \(key)", as: (String, Bool).self
            )
            #expect(status == "pending" && runnable)
            #expect(try await h.counter("predictions.cancel") == 0)
            let next = try await h.run(generation, attempt: 2)
            #expect(next.outcome == "cancelled")
            #expect(try await h.counter("predictions.cancel") == 1)
        }
    }
}
