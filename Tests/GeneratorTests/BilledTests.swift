import Catalog
import Foundation
import Generations
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// Replicate bills per-second models for the time a prediction ran, however it ended: budgets count that too.
extension LifecycleTests {
    func spent(_ client: PostgresClient, _ user: UUID) async throws -> Double {
        try await scalar(client, "SELECT spent_usd::float8 FROM generation_slots WHERE user_id = \(user)", as: Double.self)
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
            #expect(try await h.run(generation, attempt: 2).outcome == "cancelled")
            let cost = try #require(try await h.reload(generation).cost)
            // gpu-l40s at $0.000975 a second, for the second or so it ran before the cancel.
            #expect(cost > 0.0009 && cost < 0.01, "\(cost)")
            #expect(abs(try await spent(h.client, generation.userId) - cost) < 1e-6)
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
}
