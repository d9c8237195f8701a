import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing

/// The trigger that turns a generation's changes into `deliver-webhook` jobs, in the same transaction.
@Suite("Webhook events")
struct WebhookEventTests {
    /// The start of the dedupe keys the webhook trigger gives generation `id`'s deliveries (`webhook:<id>:<event>`).
    func keyPrefix(_ id: UUID) -> String { "webhook:\(id.lowercase):" }

    /// The dedupe keys of the generation's delivery jobs, oldest first.
    func deliveries(_ client: PostgresClient, _ id: UUID) async throws -> [String] {
        var keys: [String] = []
        for try await key in try await client.query(
            "SELECT dedupe_key FROM job_queue WHERE job_type = \(DeliverWebhook.name) AND dedupe_key LIKE \(keyPrefix(id) + "%") ORDER BY created_at, dedupe_key"
        ).decode(String.self) { keys.append(key) }
        return keys
    }

    @Test("Each change enqueues the events the filter names, once each; a disabled webhook enqueues nothing")
    func filter() async throws {
        try await TestDatabase.withClient { client, _ in
            let id = try await insertGeneration(client, status: "queued")
            try await client.query(
                "UPDATE image_generations SET webhook = 'https://example.com/h', webhook_events_filter = ARRAY['start', 'completed'] WHERE id = \(id)"
            )
            let prefix = keyPrefix(id)
            try await client.query("UPDATE image_generations SET status = 'processing' WHERE id = \(id)")
            try await client.query("UPDATE image_generations SET progress = 40 WHERE id = \(id)")
            #expect(try await deliveries(client, id) == [prefix + "start"])
            try await client.query("UPDATE image_generations SET status = 'downloading' WHERE id = \(id)")
            try await client.query("UPDATE image_generations SET status = 'completed', completed_at = now() WHERE id = \(id)")
            #expect(try await deliveries(client, id) == [prefix + "start", prefix + "completed"])
            let payload = try await scalar(
                client, "SELECT payload::text FROM job_queue WHERE dedupe_key = \(prefix + "completed")", as: String.self
            )
            let decoded = try JSONDecoder().decode([String: String].self, from: Data(payload.utf8))
            #expect(
                decoded == [
                    "generation_id": id.uuidString.lowercased(), "user_id": decoded["user_id"] ?? "", "event": "completed",
                    "receiver": "https://example.com",
                ])
            // Ranked behind the receiver's live deliveries: the start event's job is still pending.
            #expect(try await scalar(client, "SELECT fair_rank FROM job_queue WHERE dedupe_key = \(prefix + "start")", as: Int.self) == 0)
            #expect(try await scalar(client, "SELECT fair_rank FROM job_queue WHERE dedupe_key = \(prefix + "completed")", as: Int.self) == 1)
            #expect(
                try await scalar(client, "SELECT max_attempts FROM job_queue WHERE dedupe_key = \(prefix + "completed")", as: Int.self)
                    == DeliverWebhook.maxAttempts)

            let other = try await insertGeneration(client, status: "queued")
            try await client.query(
                "UPDATE image_generations SET webhook = 'https://example.com/h', webhook_events_filter = ARRAY['progress'] WHERE id = \(other)"
            )
            try await client.query("UPDATE image_generations SET status = 'processing' WHERE id = \(other)")
            try await client.query("UPDATE image_generations SET progress = 10 WHERE id = \(other)")
            try await client.query("UPDATE image_generations SET progress = 20 WHERE id = \(other)")
            let otherPrefix = keyPrefix(other)
            #expect(try await deliveries(client, other) == [otherPrefix + "progress:10", otherPrefix + "progress:20"])
            try await GenerationStore(client: client, logger: TestDatabase.logger).disableWebhook(of: other)
            try await client.query("UPDATE image_generations SET progress = 30 WHERE id = \(other)")
            #expect(try await deliveries(client, other).count == 2)
            #expect(
                try await scalar(
                    client, "SELECT count(*)::int8 FROM job_queue WHERE dedupe_key LIKE \(otherPrefix + "%") AND status = 'pending'", as: Int.self)
                    == 0)
        }
    }

    @Test("A rotated secret signs beside the new one for a day; the first secret is made once under concurrency")
    func secrets() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let user = UUID()
            let made = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await store.webhookSecrets(for: user, candidate: WebhookSecrets.make()).current } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(made.count == 1)
            let first = try #require(made.first)
            let rotated = try await store.rotateWebhookSecret(for: user, replacement: WebhookSecrets.make())
            #expect(rotated.current != first && rotated.signing == [rotated.current, first])
            try await client.query("UPDATE webhook_secrets SET previous_until = now() - interval '1 second' WHERE user_id = \(user)")
            #expect(try await store.webhookSecrets(for: user, candidate: "unused").signing == [rotated.current])
        }
    }

    @Test("What deliveries need is read for many generations at once: a user's secret is kept, a newcomer's made once")
    func deliveryContexts() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let (known, newcomer, sibling) = (
                try await insertGeneration(client), try await insertGeneration(client), try await insertGeneration(client)
            )
            let knownUser = try await scalar(client, "SELECT user_id FROM image_generations WHERE id = \(known)", as: UUID.self)
            let newUser = try await scalar(client, "SELECT user_id FROM image_generations WHERE id = \(newcomer)", as: UUID.self)
            try await client.query("UPDATE image_generations SET user_id = \(newUser) WHERE id = \(sibling)")
            let secret = try await store.webhookSecrets(for: knownUser, candidate: WebhookSecrets.make()).current
            try await client.query("UPDATE image_generations SET webhook_disabled_at = now() WHERE id = \(sibling)")

            var made = 0
            let contexts = try await store.webhookDeliveryContexts(of: [known, newcomer, sibling, UUID()]) {
                made += 1
                return WebhookSecrets.make()
            }
            #expect(Set(contexts.keys) == [known, newcomer, sibling])
            #expect(contexts[known]?.secrets.current == secret)
            #expect(made == 1)
            let newSecret = try #require(contexts[newcomer]?.secrets.current)
            #expect(contexts[sibling]?.secrets.current == newSecret)
            #expect(try await store.webhookSecrets(for: newUser, candidate: "unused").current == newSecret)
            #expect(contexts[sibling]?.disabled == true && contexts[known]?.disabled == false)
        }
    }

    @Test("A freed slot wakes the receiver's next delivery sent back for later, and only that receiver's")
    func wakeDelivery() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            var keys: [String] = []
            for hook in ["https://a.example.com/h", "https://a.example.com/other", "https://b.example.com/h"] {
                let id = try await insertGeneration(client, status: "queued")
                try await client.query("UPDATE image_generations SET webhook = \(hook), webhook_events_filter = ARRAY['completed'] WHERE id = \(id)")
                try await client.query("UPDATE image_generations SET status = 'cancelled', completed_at = now() WHERE id = \(id)")
                keys.append(keyPrefix(id) + "completed")
            }
            try await client.query("UPDATE job_queue SET run_at = now() + interval '1 hour' WHERE job_type = \(DeliverWebhook.name)")

            #expect(try await store.wakeDelivery(to: "https://a.example.com"))
            #expect(
                try await scalar(client, "SELECT count(*)::int8 FROM job_queue WHERE dedupe_key = ANY(\(keys)) AND run_at > now()", as: Int.self) == 2
            )
            #expect(try await store.wakeDelivery(to: "https://a.example.com"))
            #expect(try await !store.wakeDelivery(to: "https://a.example.com"))
            #expect(try await scalar(client, "SELECT run_at > now() FROM job_queue WHERE dedupe_key = \(keys[2])", as: Bool.self))
        }
    }
}
