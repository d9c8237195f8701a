import Foundation
import Generations
import HTTPTypes
import JobQueue
import PostgresNIO
import TestSupport
import Testing

/// A deletion deletes: the content is forgotten, and the generation comes back through no other door.
@Suite("Deletion")
struct DeletionTests {
    @Test(
        "A deleted generation forgets its content and never comes back: not by its Idempotency-Key, a stream token, a webhook delivery or a requeue")
    func deletedStaysDeleted() async throws {
        try await GatewayHarness.run { g in
            let body =
                #"{"prompt": "my secret prompt", "negative_prompt": "blurry", "model_id": "stability-ai/sdxl", "webhook": "https://hooks.example.com/secret-path"}"#
            let made = try await g.call(
                .post, "/v1/generations", json: body, token: g.aliceToken, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            #expect(made.status == .accepted)
            let id = try #require(try g.object(made)["id"]?.string)
            let generation = try #require(UUID(uuidString: id))
            let minted = try g.object(try await g.call(.post, "/v1/generations/\(id)/stream-token", token: g.aliceToken))
            let token = try #require(minted["token"]?.string)
            // Its generate-image job dead-lettered before the delete, failing it (an operator may requeue the job later).
            try await g.database.query("UPDATE job_queue SET status = 'failed', completed_at = now() WHERE lower(payload->>'generation_id') = \(id)")
            try await g.database.query(
                "INSERT INTO webhook_deliveries (generation_id, webhook_id, event, attempt, duration_ms, error) VALUES (\(generation), 'msg_1', 'start', 1, 5, 'the receiver could not be reached')"
            )

            #expect(try await g.call(.delete, "/v1/generations/\(id)", token: g.aliceToken).status == .noContent)

            let (prompt, negative, webhook, traced) = try await firstRow(
                g.database, "SELECT prompt, negative_prompt, webhook, trace_context FROM image_generations WHERE id = \(generation)",
                as: (String, String?, String?, String?).self
            )
            #expect(prompt == "" && negative == nil && webhook == nil && traced == nil)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM webhook_deliveries", as: Int.self) == 0)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM stream_tokens", as: Int.self) == 0)
            // Replaying the request that made it does not bring it back.
            let replay = try await g.call(
                .post, "/v1/generations", json: body, token: g.aliceToken, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            #expect(replay.status == .conflict)
            #expect(!String(buffer: replay.body).contains(id))
            // Nor does a stream token, old or new.
            #expect(try await g.call(.get, "/v1/generations/\(id)/events?token=\(token)").status == .unauthorized)
            #expect(try await g.call(.post, "/v1/generations/\(id)/stream-token", token: g.aliceToken).status == .notFound)
            // Nor an operator's requeue of its dead job.
            let job = try await scalar(
                g.database, "SELECT id FROM job_queue WHERE lower(payload->>'generation_id') = \(id) AND job_type = 'generate-image'", as: UUID.self)
            #expect(try await JobQueue(client: g.database, logger: TestDatabase.logger).requeue(job))
            #expect(try await scalar(g.database, "SELECT status FROM image_generations WHERE id = \(generation)", as: String.self) == "failed")
            #expect(try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken).status == .notFound)
        }
    }

    @Test("Live stream tokens per generation are bounded: the oldest give way")
    func boundedStreamTokens() async throws {
        try await GatewayHarness.run { g in
            let id = try await g.create()
            for _ in 0..<(GenerationStore.maxLiveStreamTokens + 5) {
                #expect(try await g.call(.post, "/v1/generations/\(id)/stream-token", token: g.aliceToken).status == .created)
            }
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM stream_tokens", as: Int.self) == GenerationStore.maxLiveStreamTokens)
        }
    }
}
