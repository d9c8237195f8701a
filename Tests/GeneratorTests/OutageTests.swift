import Foundation
import Generations
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// Replicate down: nothing fails that may still run, nothing is paid twice, and the shared breaker spares Replicate.
extension LifecycleTests {
    func breaker(_ client: PostgresClient) async throws -> (open: Bool, failures: Int) {
        try await firstRow(client, "SELECT opened_at IS NOT NULL, failures::int8 FROM replicate_breaker", as: (Bool, Int).self)
    }

    @Test(
        "Replicate answering 503: creates snooze without spending an attempt, five in a row open the shared breaker, which stops calls until a probe succeeds"
    )
    func outageOpensBreaker() async throws {
        try await withHarness(#"{"time_scale": 0, "outage": true}"#) { h in
            var generations: [Generation] = []
            for n in 0..<6 { generations.append(try await h.create(["prompt": .string("outage \(n)"), "model_id": "google/imagen-4-fast"])) }
            for generation in generations.prefix(5) {
                #expect(try await h.run(generation).status == 202)
                #expect(try await h.reload(generation).status == .processing)
            }
            #expect(try await breaker(h.client) == (true, 5))
            // Open: the sixth waits without calling Replicate at all.
            let calls = try await h.counter("api.outage")
            let (status, retryAfter, _) = try await h.run(generations[5])
            #expect(status == 202 && retryAfter != nil)
            #expect(try await h.counter("api.outage") == calls)
            #expect(try await h.reload(generations[5]).status == .queued)
            // Replicate is back; when the probe is due, one call goes through and closes the breaker for everyone.
            try await h.scenario(#"{"outage": false}"#)
            try await h.client.query("UPDATE replicate_breaker SET probe_at = now()")
            #expect(try await h.run(generations[5]).status == 200)
            #expect(try await breaker(h.client) == (false, 0))
            for generation in generations.prefix(5) { #expect(try await h.run(generation, attempt: 2).status == 200) }
            for generation in generations { #expect(try await h.reload(generation).status == .downloading) }
            #expect(try await h.counter("predictions.created") == 6)
        }
    }

    @Test("A failed poll of a running prediction snoozes the job; the same prediction is handed over once Replicate answers")
    func pollDuringOutage() async throws {
        try await withHarness(#"{"time_scale": 1, "latency_overrides": {"bytedance/seedream-4": 1.5}}"#, parkAfter: .zero) { h in
            let generation = try await h.create(["prompt": "parked", "model_id": "bytedance/seedream-4"])
            #expect(try await h.run(generation).status == 202)
            let prediction = try #require(try await h.reload(generation).replicatePredictionId)
            try await h.scenario(#"{"outage": true}"#)
            #expect(try await h.run(generation, attempt: 2).status == 202)
            #expect(try await h.reload(generation).status == .processing)
            try await h.scenario(#"{"outage": false}"#)
            try await eventually("the prediction to finish") { try await h.run(generation, attempt: 3).status == 200 }
            let after = try await h.reload(generation)
            #expect(after.status == .downloading && after.replicatePredictionId == prediction)
            #expect(try await h.counter("predictions.created") == 1)
        }
    }

    @Test("Past the outage tolerance a generation that never started fails with provider_unavailable, at no cost")
    func outageTolerance() async throws {
        try await withHarness(#"{"time_scale": 0, "outage": true}"#, outageTolerance: .zero, breakerThreshold: 1) { h in
            let first = try await h.create(["prompt": "never started", "model_id": "google/imagen-4-fast"])
            let second = try await h.create(["prompt": "never tried", "model_id": "google/imagen-4-fast"])
            // The first's create fails (and opens the breaker); the second is held back by the open breaker.
            #expect(try await h.run(first).outcome == "failed")
            #expect(try await h.run(second).outcome == "failed")
            for generation in [first, second] {
                let after = try await h.reload(generation)
                #expect(after.status == .failed && after.errorCode == "provider_unavailable")
                #expect(after.replicatePredictionId == nil && after.cost == nil)
            }
            #expect(try await h.counter("api.outage") == 1)
        }
    }

    @Test(
        "A huge, negative or non-numeric Retry-After from Replicate is clamped, never trapping the generator",
        arguments: [
            "1e308", "-5", "nan", "inf", "-inf", "99999999999999999999999999",
        ])
    func hostileRetryAfter(value: String) async throws {
        try await withHarness(#"{"time_scale": 0, "outage": true, "outage_retry_after": "\#(value)"}"#) { h in
            let generation = try await h.create(["prompt": "x", "model_id": "google/imagen-4-fast"])
            let (status, retryAfter, _) = try await h.run(generation)
            #expect(status == 202)
            let seconds = try #require(retryAfter.flatMap(Int.init))
            #expect((1...3600).contains(seconds))
        }
    }
}
