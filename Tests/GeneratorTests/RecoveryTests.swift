import AsyncHTTPClient
import Foundation
import Generations
import PostgresNIO
import TestSupport
import Testing
import WireFormat

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
            // The first saw it was superseded while polling, or had its hand-over refused if the prediction ended first.
            let firstOutcome = try await first.outcome
            #expect(firstOutcome == "superseded" || firstOutcome == "not running", "\(String(describing: firstOutcome))")
            #expect(try await h.counter("predictions.created") == 1)
            #expect(try await h.reload(generation).status == .downloading)
        }
    }

    @Test("A create whose answer comes after a later delivery adopted its prediction leaves that prediction running")
    func adoptedWhileAnswering() async throws {
        try await withHarness(
            #"{"time_scale": 1, "create_answer_delay_seconds": 3, "latency_overrides": {"bytedance/seedream-4": 20}}"#, parkAfter: .zero
        ) { h in
            let generation = try await h.create(["prompt": "slow answer", "model_id": "bytedance/seedream-4"])
            async let first = h.run(generation, attempt: 1)
            // The prediction exists at Replicate while its create's answer is still on the way.
            try await eventually("the prediction to exist") { try await h.counter("predictions.created") == 1 }
            // The dispatcher gave up waiting for the first delivery: the second finds the prediction and follows it.
            try await h.scenario(#"{"create_answer_delay_seconds": 0}"#)
            #expect(try await h.run(generation, attempt: 2).status == 202)
            let adopted = try #require(try await h.reload(generation).replicatePredictionId)
            // Then the first delivery's answer arrives: superseded, it leaves alone what the second follows.
            #expect(try await first.outcome == "superseded")
            #expect(try await h.counter("predictions.cancel") == 0)
            #expect(try await h.counter("predictions.created") == 1)
            #expect(try await h.reload(generation).replicatePredictionId == adopted)
        }
    }

    @Test("A create that answers while a later delivery is still searching gives its prediction up: that delivery creates another")
    func disownedWhileSearching() async throws {
        try await withHarness(
            #"{"time_scale": 1, "create_answer_delay_seconds": 2, "latency_overrides": {"bytedance/seedream-4": 20}}"#, parkAfter: .zero
        ) { h in
            let generation = try await h.create(["prompt": "slow answer, slow search", "model_id": "bytedance/seedream-4"])
            async let first = h.run(generation, attempt: 1)
            try await eventually("the prediction to exist") { try await h.counter("predictions.created") == 1 }
            // The second delivery's search reads the prediction still running, but its answer arrives only after the first
            // delivery heard back, found itself superseded and cancelled the prediction.
            try await h.scenario(#"{"create_answer_delay_seconds": 0, "list_answer_delay_seconds": 4}"#)
            async let second = h.run(generation, attempt: 2)
            #expect(try await first.outcome == "cancelled")
            #expect(try await second.status == 202)
            #expect(try await h.counter("predictions.cancel") == 1)
            #expect(try await h.counter("predictions.created") == 2)
            // What the generation follows is the second prediction, still running: resuming it parks again.
            try await h.scenario(#"{"list_answer_delay_seconds": 0}"#)
            #expect(try await h.run(generation, attempt: 3).status == 202)
            #expect(try await h.reload(generation).status == .processing)
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

extension LifecycleTests {
    @Test("Two lost creates with the same input are not guessed between: each retry creates its own prediction")
    func ambiguousLostCreates() async throws {
        try await withHarness(#"{"time_scale": 0, "create_lost_rate": 1}"#) { h in
            let first = try await h.create(["prompt": "twins", "model_id": "google/imagen-4-fast", "seed": .int(7)])
            let second = try await h.create(["prompt": "twins", "model_id": "google/imagen-4-fast", "seed": .int(7)])
            #expect(try await h.run(first).status == 202)
            #expect(try await h.run(second).status == 202)
            try await h.scenario(#"{"create_lost_rate": 0}"#)
            #expect(try await h.run(first, attempt: 2).outcome == "succeeded")
            // Neither lost prediction was taken: a third was created.
            #expect(try await h.counter("predictions.created") == 3)
        }
    }

    @Test("A lost create that was cancelled meanwhile is not adopted")
    func cancelledLostCreate() async throws {
        try await withHarness(#"{"time_scale": 1, "create_lost_rate": 1, "latency_overrides": {"bytedance/seedream-4": 20}}"#) { h in
            let generation = try await h.create(["prompt": "lost then cancelled", "model_id": "bytedance/seedream-4"])
            #expect(try await h.run(generation).status == 202)
            // Someone cancels the orphan at Replicate before the retry looks for it.
            var list = HTTPClientRequest(url: "\(h.simulator)/v1/predictions")
            list.headers.add(name: "Authorization", value: "Bearer r8_test")
            let page = try await HTTPClient.shared.execute(list, timeout: .seconds(5))
            let listed = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: try await page.body.collect(upTo: 1 << 20)))
            guard case .array(let results)? = listed.object?["results"], let id = results.first?.object?["id"]?.string else {
                Issue.record("no prediction listed")
                return
            }
            var cancel = HTTPClientRequest(url: "\(h.simulator)/v1/predictions/\(id)/cancel")
            cancel.method = .POST
            cancel.headers.add(name: "Authorization", value: "Bearer r8_test")
            _ = try await HTTPClient.shared.execute(cancel, timeout: .seconds(5))
            try await h.scenario(#"{"create_lost_rate": 0, "time_scale": 0, "latency_overrides": {}}"#)
            #expect(try await h.run(generation, attempt: 2).outcome == "succeeded")
            #expect(try await h.reload(generation).replicatePredictionId != id)
            #expect(try await h.counter("predictions.created") == 2)
        }
    }
}
