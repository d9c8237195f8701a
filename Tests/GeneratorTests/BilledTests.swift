import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// Replicate bills per-second models for the time a prediction ran, however it ended: budgets count that too.
extension LifecycleTests {
    func spent(_ client: PostgresClient, _ user: UUID) async throws -> Double {
        try await scalar(client, "SELECT spent_usd::float8 FROM generation_slots WHERE user_id = \(user)", as: Double.self)
    }

    func reserved(_ client: PostgresClient, _ user: UUID) async throws -> Double {
        try await scalar(client, "SELECT reserved_usd::float8 FROM generation_slots WHERE user_id = \(user)", as: Double.self)
    }

    func expectedCost(_ client: PostgresClient, _ generation: Generation) async throws -> Double {
        try await scalar(client, "SELECT expected_cost::float8 FROM image_generations WHERE id = \(generation.id)", as: Double.self)
    }

    func costPending(_ client: PostgresClient, _ generation: Generation) async throws -> Bool {
        try await scalar(client, "SELECT cost_pending_since IS NOT NULL FROM image_generations WHERE id = \(generation.id)", as: Bool.self)
    }

    @Test(
        "A cancelled prediction of a per-second model is billed for the time it ran: its cost counts in spend, and a loop of create-then-cancel meets the budget"
    )
    func cancelledIsBilled() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"stability-ai/sdxl": 30}}"#, parkAfter: .zero) { h in
            let generation = try await h.create(["prompt": "cancel me", "model_id": "stability-ai/sdxl"])
            #expect(try await h.run(generation).status == 202)
            try await Task.sleep(for: .seconds(1))
            let store = GenerationStore(client: h.client, logger: TestDatabase.logger)
            _ = try await store.cancel(generation.id, userID: generation.userId)
            // Until Replicate says what the prediction ran, the generation keeps its reservation: a request the
            // reservation takes past the budget is refused, not just one past what is already spent.
            #expect(try await costPending(h.client, generation))
            let expected = try await expectedCost(h.client, generation)
            #expect(abs(try await reserved(h.client, generation.userId) - expected) < 1e-6)
            try await store.setMonthlyBudget(expected * 1.5, for: generation.userId)
            let next = try GenerationRequest.validate(["prompt": "while the cost is pending", "model_id": "stability-ai/sdxl"])
            await #expect(throws: GenerationStoreError.self) {
                _ = try await store.create(next, userID: generation.userId, idempotencyKey: nil, requestHash: "h2")
            }
            try await store.setMonthlyBudget(nil, for: generation.userId)
            #expect(try await h.run(generation, attempt: 2).outcome == "cancelled")
            let cost = try #require(try await h.reload(generation).cost)
            // gpu-l40s at $0.000975 a second, for the second or so it ran before the cancel.
            #expect(cost > 0.0009 && cost < 0.01, "\(cost)")
            #expect(abs(try await spent(h.client, generation.userId) - cost) < 1e-6)
            // The figure is known: the reservation is over.
            #expect(try await !costPending(h.client, generation))
            #expect(try await reserved(h.client, generation.userId) == 0)
            // With a budget below what was spent, the next create is refused (the API answers 402).
            try await store.setMonthlyBudget(cost / 2, for: generation.userId)
            let request = try GenerationRequest.validate(["prompt": "again", "model_id": "stability-ai/sdxl"])
            await #expect(throws: GenerationStoreError.self) {
                _ = try await store.create(request, userID: generation.userId, idempotencyKey: nil, requestHash: "h")
            }
        }
    }

    @Test("A cancel Replicate answers before it takes effect (still running, no metrics) is billed from a GET a moment later")
    func cancelTakesEffectLater() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"stability-ai/sdxl": 30}, "cancel_delay_seconds": 1}"#, parkAfter: .zero) {
            h in
            let generation = try await h.create(["prompt": "cancel me later", "model_id": "stability-ai/sdxl"])
            #expect(try await h.run(generation).status == 202)
            let store = GenerationStore(client: h.client, logger: TestDatabase.logger)
            _ = try await store.cancel(generation.id, userID: generation.userId)
            #expect(try await h.run(generation, attempt: 2).outcome == "cancelled")
            let cost = try #require(try await h.reload(generation).cost)
            #expect(cost > 0.0009 && cost < 0.01, "\(cost)")
            #expect(abs(try await spent(h.client, generation.userId) - cost) < 1e-6)
        }
    }

    @Test("A failed prediction of a per-second model is billed for the time it ran")
    func failedIsBilled() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"stability-ai/sdxl": 1.5}}"#) { h in
            let generation = try await h.create(["prompt": "[fail] billed anyway", "model_id": "stability-ai/sdxl"])
            #expect(try await h.run(generation).status == 200)
            let after = try await h.reload(generation)
            #expect(after.status == .failed)
            let cost = try #require(after.cost)
            #expect(cost > 0.001 && cost < 0.01, "\(cost)")
            #expect(abs(try await spent(h.client, generation.userId) - cost) < 1e-6)
        }
    }

    @Test("A cancelled prediction of a per-output model bills nothing: the generator's cancel ends the reservation with no cost")
    func cancelledPerOutputReleases() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"black-forest-labs/flux-schnell": 30}}"#, parkAfter: .zero) { h in
            let generation = try await h.create(["prompt": "cancel me", "model_id": "black-forest-labs/flux-schnell"])
            #expect(try await h.run(generation).status == 202)
            let store = GenerationStore(client: h.client, logger: TestDatabase.logger)
            _ = try await store.cancel(generation.id, userID: generation.userId)
            #expect(try await costPending(h.client, generation))
            #expect(try await reserved(h.client, generation.userId) > 0)
            #expect(try await h.run(generation, attempt: 2).outcome == "cancelled")
            #expect(try await h.reload(generation).cost == nil)
            #expect(try await !costPending(h.client, generation))
            #expect(try await reserved(h.client, generation.userId) == 0)
            #expect(try await spent(h.client, generation.userId) == 0)
        }
    }

    @Test("A generation cancelled before any prediction was created has no cost to wait for: its reservation ends at once")
    func cancelledBeforePredictionReleases() async throws {
        try await withHarness { h in
            let generation = try await h.create(["prompt": "never started", "model_id": "stability-ai/sdxl"])
            let store = GenerationStore(client: h.client, logger: TestDatabase.logger)
            _ = try await store.cancel(generation.id, userID: generation.userId)
            #expect(try await !costPending(h.client, generation))
            #expect(try await reserved(h.client, generation.userId) == 0)
        }
    }

    @Test(
        "A pending cost Replicate never confirms is released by the dispatcher's time-out; a generation revived while it waited reserves once"
    )
    func pendingCostTimesOutAndRevives() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"stability-ai/sdxl": 30}}"#, parkAfter: .zero) { h in
            let store = GenerationStore(client: h.client, logger: TestDatabase.logger)
            let first = try await h.create(["prompt": "left waiting", "model_id": "stability-ai/sdxl"])
            #expect(try await h.run(first).status == 202)
            _ = try await store.cancel(first.id, userID: first.userId)
            // Nobody follows it up (its job never runs again): an hour on, the time-out ends the wait.
            #expect(try await store.releaseCostHolds(olderThan: .seconds(3600)) == 0)
            #expect(try await reserved(h.client, first.userId) > 0)
            #expect(try await store.releaseCostHolds(olderThan: .zero) == 1)
            #expect(try await !costPending(h.client, first))
            #expect(try await reserved(h.client, first.userId) == 0)

            // A generate job dead-lettered while its prediction ran: failed, cost pending, reservation kept once.
            let second = try await h.create(["prompt": "dead while running", "model_id": "stability-ai/sdxl"])
            #expect(try await h.run(second).status == 202)
            let expected = try await expectedCost(h.client, second)
            let queue = JobQueue(client: h.client, logger: TestDatabase.logger)
            let job = try #require(try await queue.firstJob(dedupeKey: GenerateImage.dedupeKey(second.id)))
            try await h.client.query("UPDATE job_queue SET status = 'failed', error_message = 'kept failing' WHERE id = \(job)")
            #expect(try await h.reload(second).status == .failed)
            #expect(try await costPending(h.client, second))
            #expect(abs(try await reserved(h.client, second.userId) - expected) < 1e-6)
            // An operator revives it: it runs again on the reservation it kept (not a second one).
            try await h.client.query("UPDATE job_queue SET status = 'pending' WHERE id = \(job)")
            #expect(try await h.reload(second).status == .queued)
            #expect(try await !costPending(h.client, second))
            #expect(abs(try await reserved(h.client, second.userId) - expected) < 1e-6)
            _ = try await store.cancel(second.id, userID: second.userId)
            #expect(try await h.run(second, attempt: 2).outcome == "cancelled")
            #expect(try await reserved(h.client, second.userId) == 0)
        }
    }
}
