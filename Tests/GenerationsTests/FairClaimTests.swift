import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing

/// Within one priority, one user's backlog does not hold up another user's job.
@Suite("Fair claims")
struct FairClaimTests {
    @Test("A download is claimed in the first cycle behind 2,000 waiting generations of the highest priority")
    func downloadsAhead() async throws {
        // Replicate deletes outputs an hour after the prediction: a backlog of new generations must never hold up the
        // downloads of finished ones. Each type is claimed within its own budget, so the download goes first.
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            let generations = (0..<2000).map { NewJob(type: GenerateImage.name, payload: #"{"n": \#($0)}"#, priority: 10) }
            try await queue.enqueue(generations)
            try await queue.enqueue([NewJob(type: DownloadImage.name, payload: #"{"download": true}"#, priority: 0)])
            let claimed = try await queue.claim(limits: [GenerateImage.name: 64, DownloadImage.name: 32], worker: "w", lease: .seconds(30))
            #expect(claimed.filter { $0.type == DownloadImage.name }.count == 1)
            #expect(claimed.filter { $0.type == GenerateImage.name }.count == 64)
        }
    }

    @Test("User A enqueues 5,000 generations, then user B one: B's job is the next claimed")
    func backlogDoesNotBlock() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "fair", "model_id": "black-forest-labs/flux-schnell"])
            let (alice, bob) = (UUID(), UUID())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in stride(from: worker, to: 5000, by: 8) {
                            _ = try await store.create(request, userID: alice, idempotencyKey: nil, requestHash: "a\(index)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (bobs, _, _) = try await store.create(request, userID: bob, idempotencyKey: nil, requestHash: "b")
            // One claim cycle of two takes every owner's first waiting job: A's oldest and B's only one, before A's second.
            let claimed = try await queue.claim(limits: [GenerateImage.name: 2], worker: "w", lease: .seconds(30))
            #expect(claimed.contains { $0.payload.contains(bobs.id.uuidString.lowercased()) })
            #expect(claimed.contains { $0.payload.contains(alice.uuidString.lowercased()) })
            let ranks = try await client.query("SELECT fair_rank FROM job_queue WHERE id = ANY(\(claimed.map(\.id)))").decode(Int.self)
            var seen: [Int] = []
            for try await rank in ranks { seen.append(rank) }
            #expect(seen == [0, 0])
        }
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("Events and dead letters past their retention are removed in batches; newer ones and live jobs stay")
    func eventsAndDeadJobs() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "old", "model_id": "black-forest-labs/flux-schnell"])
            for n in 0..<3 { _ = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "r\(n)") }
            try await client.query(
                "UPDATE generation_events SET created_at = now() - interval '40 days' WHERE id IN (SELECT id FROM generation_events LIMIT 2)")
            #expect(try await store.removeEvents(olderThan: .seconds(30 * 86400), batch: 1) == 1)
            #expect(try await store.removeEvents(olderThan: .seconds(30 * 86400)) == 1)
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM generation_events", as: Int.self) == 1)
            try await client.query(
                """
                UPDATE job_queue SET status = 'failed', completed_at = now() - interval '40 days'
                WHERE id IN (SELECT id FROM job_queue ORDER BY created_at LIMIT 2)
                """
            )
            try await client.query(
                "UPDATE job_queue SET completed_at = now() - interval '1 day' WHERE id IN (SELECT id FROM job_queue WHERE status = 'failed' LIMIT 1)")
            #expect(try await queue.pruneDead(olderThan: .seconds(30 * 86400)) == 1)
            #expect(try await scalar(client, "SELECT string_agg(status, ',' ORDER BY status) FROM job_queue", as: String.self) == "failed,pending")
        }
    }

    @Test(
        "Tombstones and webhook delivery records past their retention, expired stream tokens and old Replicate webhook ids are removed; newer ones stay"
    )
    func tombstonesDeliveriesTokens() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "old", "model_id": "black-forest-labs/flux-schnell"])
            var ids: [UUID] = []
            let user = UUID()
            for n in 0..<3 { ids.append(try await store.create(request, userID: user, idempotencyKey: nil, requestHash: "r\(n)").0.id) }
            for id in ids.prefix(2) { _ = try await store.delete(id, userID: user) }
            try await client.query("UPDATE image_generations SET deleted_at = now() - interval '40 days' WHERE id = \(ids[0])")
            #expect(try await store.removeTombstones(olderThan: .seconds(30 * 86400)) == 1)
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 2)

            for (n, age) in ["40 days", "1 day"].enumerated() {
                try await client.query(
                    """
                    INSERT INTO webhook_deliveries (generation_id, webhook_id, event, attempt, attempted_at, duration_ms)
                    VALUES (\(ids[2]), \("msg_\(n)"), 'completed', 1, now() - \(age)::interval, 5)
                    """
                )
            }
            #expect(try await store.removeWebhookDeliveries(olderThan: .seconds(30 * 86400)) == 1)
            #expect(try await scalar(client, "SELECT webhook_id FROM webhook_deliveries", as: String.self) == "msg_1")

            _ = try await store.createStreamToken(hash: "live", for: ids[2], userID: user, seconds: 60)
            _ = try await store.createStreamToken(hash: "expired", for: ids[2], userID: user, seconds: 60)
            try await client.query("UPDATE stream_tokens SET expires_at = now() - interval '2 hours' WHERE token_hash = 'expired'")
            try await client.query(
                "INSERT INTO replicate_webhooks (webhook_id, received_at) VALUES ('old', now() - interval '2 days'), ('new', now())")
            #expect(try await store.removeExpired() == 2)
            #expect(try await scalar(client, "SELECT token_hash FROM stream_tokens", as: String.self) == "live")
            #expect(try await scalar(client, "SELECT webhook_id FROM replicate_webhooks", as: String.self) == "new")
        }
    }
}
