import Catalog
import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobQueue
import PostgresNIO
import PublicAPI
import TestSupport
import Testing
import WireFormat

/// `GATEWAY_MAX_QUEUED`: a full queue refuses new generations with 503 before anything is written; an operator's pause shows.
@Suite("Backpressure and pauses")
struct BackpressureTests {
    let body = #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#

    func count(_ database: PostgresClient, _ sql: PostgresQuery) async throws -> Int {
        try await scalar(database, sql, as: Int.self)
    }

    @Test("Past GATEWAY_MAX_QUEUED waiting generations a POST answers 503 with Retry-After and writes nothing; a freed slot admits again")
    func fullQueueRefuses() async throws {
        try await GatewayHarness.run(maxActivePerUser: 1000, maxQueued: 3) { g in
            for _ in 0..<3 { #expect(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status == .accepted) }
            // Another user is refused too: the cap is on the whole queue.
            let refused = try await g.call(.post, "/v1/generations", json: body, token: g.bobToken)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let problem = try JSONCoding.decoder().decode(ProblemDetails.self, from: Data(buffer: refused.body))
            #expect(problem.title == "Queue full")
            #expect(problem.detail?.contains("GATEWAY_MAX_QUEUED") == true)
            // Nothing drained in the last minute: come back in a minute.
            #expect(refused.headers[.retryAfter] == "60")
            #expect(try await count(g.database, "SELECT count(*)::int8 FROM image_generations") == 3)
            #expect(try await count(g.database, "SELECT count(*)::int8 FROM job_queue") == 3)
            // The legacy endpoint meets the same cap.
            let legacy = try await g.call(.post, "/functions/v1/start-generation", json: body, token: g.aliceToken)
            #expect(legacy.status == .serviceUnavailable)
            #expect(String(buffer: legacy.body).contains(#""success":false"#))
            #expect(try await count(g.database, "SELECT count(*)::int8 FROM image_generations") == 3)
            // Two generations start (their jobs no longer wait): two more requests are admitted, and the refusal after
            // them names the wait at the rate the queue drained (two a minute: one slot in 30 s).
            try await g.database.query(
                "UPDATE job_queue SET status = 'completed', completed_at = now() WHERE id IN (SELECT id FROM job_queue LIMIT 2)")
            for _ in 0..<2 { #expect(try await g.call(.post, "/v1/generations", json: body, token: g.bobToken).status == .accepted) }
            let again = try await g.call(.post, "/v1/generations", json: body, token: g.bobToken)
            #expect(again.status == .serviceUnavailable)
            #expect(again.headers[.retryAfter] == "30")
            #expect(try await count(g.database, "SELECT count(*)::int8 FROM image_generations") == 5)
        }
    }

    @Test("A waiting generation of a paused model shows paused, and so does its model in /v1/models; after the resume neither does")
    func pausedShows() async throws {
        try await GatewayHarness.run { g in
            let created = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
            let id = try #require(try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: created.body))["id"]?.string)
            let queue = JobQueue(client: g.database, logger: TestDatabase.logger)
            _ = try await queue.pause(.model, "black-forest-labs/flux-schnell", reason: nil)
            // The gateway reads pauses at most once a second.
            try await Task.sleep(for: .milliseconds(1100))
            let shown = try JSONDecoder().decode(
                [String: JSONValue].self, from: Data(buffer: try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken).body))
            #expect(shown["paused"] == .bool(true))
            let models = try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: try await g.call(.get, "/v1/models").body))
            let flags = Dictionary(
                uniqueKeysWithValues: (models["models"]?.array ?? []).compactMap { model in
                    model.object.flatMap { fields in fields["id"]?.string.map { ($0, fields["paused"]) } }
                })
            #expect(flags["black-forest-labs/flux-schnell"] == .bool(true))
            #expect(flags["stability-ai/sdxl"] == .bool(false))
            #expect(try await queue.resume(.model, "black-forest-labs/flux-schnell"))
            try await Task.sleep(for: .milliseconds(1100))
            let after = try JSONDecoder().decode(
                [String: JSONValue].self, from: Data(buffer: try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken).body))
            #expect(after["paused"] == nil)
        }
    }

    @Test("A waiting generation shows its queue position and, at the queue's drain rate, when it should start and finish")
    func positionAndEstimates() async throws {
        try await GatewayHarness.run { g in
            // One generation started a moment ago (its job finished): one a minute is the drain rate.
            let store = GenerationStore(client: g.database, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "x", "model_id": "black-forest-labs/flux-schnell"])
            let first = try await store.create(request, userID: g.alice, idempotencyKey: nil, requestHash: "h").generation
            try await g.database.query(
                "UPDATE job_queue SET status = 'completed', completed_at = now() WHERE payload->>'generation_id' = \(first.id.lowercase)")
            var ids = [first.id.lowercase]
            for _ in 0..<3 {
                let created = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
                ids.append(try #require(try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: created.body))["id"]?.string))
            }
            let shown = try JSONCoding.decoder().decode(
                GenerationBody.self, from: Data(buffer: try await g.call(.get, "/v1/generations/\(ids[3])", token: g.aliceToken).body))
            #expect(shown.queuePosition == 2)
            let start = try #require(shown.estimatedStartAt)
            #expect(abs(start.timeIntervalSinceNow - 180) < 10, "\(start)")
            let completion = try #require(shown.estimatedCompletionAt)
            #expect(completion > start)
            // The list shows the same.
            let page = try JSONCoding.decoder().decode(
                GenerationPage.self, from: Data(buffer: try await g.call(.get, "/v1/generations", token: g.aliceToken).body))
            #expect(page.data.first { $0.id.lowercase == ids[1] }?.queuePosition == 0)
        }
    }

    @Test("A waiting generation's event stream sends its place and expected start when they change, not on every check")
    func positionOnTheStream() async throws {
        try await GatewayHarness.run { g in
            let store = GenerationStore(client: g.database, logger: TestDatabase.logger)
            let request = try GenerationRequest.validate(["prompt": "x", "model_id": "black-forest-labs/flux-schnell"])
            let first = try await store.create(request, userID: g.alice, idempotencyKey: nil, requestHash: "h").generation
            try await g.database.query(
                "UPDATE job_queue SET status = 'completed', completed_at = now() WHERE payload->>'generation_id' = \(first.id.lowercase)")
            let ids = [try await g.create(), try await g.create(), try await g.create()]
            async let stream = g.call(.get, "/v1/generations/\(ids[2])/events", token: g.aliceToken)
            // Two in front; then both start (their jobs finish), which the gateway sees at its next look (every 5 s).
            try await Task.sleep(for: .seconds(2))
            try await g.database.query(
                "UPDATE job_queue SET status = 'completed', completed_at = now() WHERE payload->>'generation_id' = ANY(\([ids[0], ids[1]]))")
            try await Task.sleep(for: .seconds(8))
            try await g.database.query("UPDATE image_generations SET status = 'cancelled' WHERE id = \(UUID(uuidString: ids[2])!)")
            let body = String(buffer: try await stream.body)
            let places = body.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: queue\n") }.map { block in
                try? JSONCoding.decoder().decode(QueueEvent.self, from: Data(block.dropFirst("event: queue\ndata: ".count).utf8))
            }
            // Each event says something new: a new place, or (the queue not moving) a start at least 5 s later.
            let positions = places.map { $0?.queuePosition }
            #expect(zip(positions, positions.dropFirst()).filter { $0 != $1 }.count == 1 && positions.first == 2 && positions.last == 0, "\(body)")
            #expect(
                zip(places, places.dropFirst()).allSatisfy { a, b in
                    a?.queuePosition != b?.queuePosition
                        || abs((b?.estimatedStartAt ?? .distantPast).timeIntervalSince(a?.estimatedStartAt ?? .distantPast)) >= 5
                }, "\(body)")
            // About ten seconds of checks every second, coalesced: far fewer events.
            #expect(places.count <= 4, "\(body)")
            #expect(places.allSatisfy { $0?.estimatedStartAt != nil && $0?.paused == false }, "\(body)")
        }
    }
}
