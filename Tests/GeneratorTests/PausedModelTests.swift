import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing

/// An operator's pause of a model, in the generator: its generations wait to start, spending nothing.
extension LifecycleTests {
    @Test("A generation of a paused model waits to start without a Replicate call or an attempt; resuming wakes its job at once")
    func pausedModelWaits() async throws {
        try await withHarness { h in
            let model = "black-forest-labs/flux-schnell"
            let generation = try await h.create(["prompt": "wait for it", "model_id": .string(model)])
            let queue = JobQueue(client: h.client, logger: TestDatabase.logger)
            _ = try await queue.pause(.model, model, reason: "a broken model")
            let waited = try await h.run(generation)
            #expect(waited.status == 202)
            #expect(waited.retryAfter == "30")
            #expect(try await h.reload(generation).status == .queued)
            #expect(try await h.counter("predictions.create") == 0)
            // The snooze left its job due later; the resume brings it forward for every dispatcher.
            let dedupeKey = GenerateImage.dedupeKey(generation.id)
            try await h.client.query("UPDATE job_queue SET run_at = now() + interval '30 seconds' WHERE dedupe_key = \(dedupeKey)")
            #expect(try await queue.resume(.model, model))
            #expect(try await GenerationStore(client: h.client, logger: TestDatabase.logger).wakeWaiting(model: model) == 1)
            #expect(try await scalar(h.client, "SELECT run_at <= now() FROM job_queue WHERE dedupe_key = \(dedupeKey)", as: Bool.self))
            #expect(try await h.run(generation).status == 200)
            #expect(try await h.reload(generation).status == .downloading)
            #expect(try await h.counter("predictions.create") == 1)
        }
    }
}
