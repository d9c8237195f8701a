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

/// `POST /v1/batches` and the batch resource: many ordinary generations made in one request, on a lower lane.
@Suite("Batches")
struct BatchTests {
    static let schnell = "black-forest-labs/flux-schnell"

    func item(_ prompt: String, _ extra: String = "") -> String {
        #"{"prompt": "\#(prompt)", "model_id": "\#(Self.schnell)"\#(extra)}"#
    }

    func batch(_ response: TestResponse) throws -> BatchBody {
        try JSONCoding.decoder().decode(BatchBody.self, from: Data(buffer: response.body))
    }

    func count(_ g: GatewayHarness, _ sql: PostgresQuery) async throws -> Int {
        try await firstRow(g.database, sql, as: Int.self)
    }

    @Test("A JSON batch becomes ordinary generations carrying batch_id, queued behind interactive work; results stream as JSON Lines")
    func jsonBatch() async throws {
        try await GatewayHarness.run { g in
            let response = try await g.call(
                .post, "/v1/batches",
                json: #"{"items": [\#(item("a")), \#(item("b", #", "priority": 5"#)), \#(item("c"))], "webhook": "https://example.com/done"}"#,
                token: g.aliceToken)
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            let created = try batch(response)
            #expect(created.itemCount == 3 && created.counts.queued == 3 && created.status == .running)
            #expect(created.webhook == "https://example.com/done")
            #expect(abs(created.expectedCostUsd - 0.009) < 1e-9)
            #expect(response.headers[.location] == "/v1/batches/\(created.id.lowercase)")
            // Ordinary generations, each showing its batch.
            let page = try JSONCoding.decoder().decode(
                GenerationPage.self, from: Data(buffer: try await g.call(.get, "/v1/generations", token: g.aliceToken).body))
            #expect(page.data.count == 3 && page.data.allSatisfy { $0.batchId == created.id })
            // Their jobs sit below every interactive priority, ranked by their place in the batch.
            let jobs = try await g.database.query(
                """
                SELECT j.priority, j.fair_rank, g.batch_index FROM job_queue j JOIN image_generations g ON j.dedupe_key = 'generate:' || g.id
                WHERE g.batch_id = \(created.id) ORDER BY g.batch_index
                """)
            var seen: [(Int, Int, Int)] = []
            for try await row in jobs.decode((Int, Int, Int).self) { seen.append(row) }
            #expect(seen.map(\.0) == [-11, -6, -11] && seen.map(\.1) == [0, 1, 2], "\(seen)")
            // Results: one line per item, in order.
            let results = String(buffer: try await g.call(.get, "/v1/batches/\(created.id.lowercase)/results", token: g.aliceToken).body)
            let lines = try results.split(separator: "\n").map { try JSONCoding.decoder().decode(BatchResultLine.self, from: Data($0.utf8)) }
            #expect(lines.map(\.index) == [0, 1, 2] && lines.allSatisfy { $0.status == .queued && $0.images.isEmpty })
            // Another user sees none of it.
            #expect(try await g.call(.get, "/v1/batches/\(created.id.lowercase)", token: g.bobToken).status == .notFound)
            #expect(try await g.call(.get, "/v1/batches/\(created.id.lowercase)/results", token: g.bobToken).status == .notFound)
            let list = try JSONCoding.decoder().decode(
                BatchPage.self, from: Data(buffer: try await g.call(.get, "/v1/batches", token: g.aliceToken).body))
            #expect(list.data.map(\.id) == [created.id])
        }
    }

    @Test("One bad item anywhere and nothing is created: the 422 names each bad item by index and field")
    func invalidItems() async throws {
        try await GatewayHarness.run { g in
            let body = #"{"items": [\#(item("fine")), {"model_id": "\#(Self.schnell)"}, \#(item("wide", #", "width": 5"#)), 7]}"#
            let response = try await g.call(.post, "/v1/batches", json: body, token: g.aliceToken)
            #expect(response.status == .unprocessableContent)
            let problem = try g.object(response)
            let fields = Set((problem["errors"]?.array ?? []).compactMap { $0.object?["field"]?.string })
            #expect(fields == ["items[1].prompt", "items[2].width", "items[3]"], "\(fields)")
            #expect(problem["detail"]?.string?.contains("3 of 4 items are invalid") == true, "\(problem)")
            #expect(try await count(g, "SELECT count(*)::int8 FROM batches") == 0)
            #expect(try await count(g, "SELECT count(*)::int8 FROM image_generations") == 0)
            #expect(try await count(g, "SELECT count(*)::int8 FROM job_queue") == 0)
            // Empty, oversized and malformed shapes are refused the same way.
            #expect(try await g.call(.post, "/v1/batches", json: #"{"items": []}"#, token: g.aliceToken).status == .unprocessableContent)
            #expect(try await g.call(.post, "/v1/batches", json: #"{"prompts": []}"#, token: g.aliceToken).status == .unprocessableContent)
            let plainHTTP = try await g.call(
                .post, "/v1/batches", json: #"{"items": [\#(item("x"))], "webhook": "http://example.com/hook"}"#, token: g.aliceToken)
            #expect(plainHTTP.status == .unprocessableContent && String(buffer: plainHTTP.body).contains("webhook"))
            let inQuery = try await g.call(.post, "/v1/batches?webhook=not-a-url", json: #"{"items": [\#(item("x"))]}"#, token: g.aliceToken)
            #expect(inQuery.status == .unprocessableContent && String(buffer: inQuery.body).contains("webhook"))
            let twice = try await g.call(
                .post, "/v1/batches?webhook=https://example.com/a", json: #"{"items": [\#(item("x"))], "webhook": "https://example.com/b"}"#,
                token: g.aliceToken)
            #expect(twice.status == .unprocessableContent)
            let matrix =
                #"{"template": \#(item("x")), "matrix": {"seed": [\#((0..<101).map(String.init).joined(separator: ","))], "width": [\#((0..<100).map { _ in "512" }.joined(separator: ","))]}}"#
            #expect(try await g.call(.post, "/v1/batches", json: matrix, token: g.aliceToken).status == .unprocessableContent)
        }
    }

    @Test("JSON Lines (blank lines skipped) and a template × matrix make the same kind of items")
    func linesAndMatrix() async throws {
        try await GatewayHarness.run { g in
            let lines = [item("one"), "", item("two"), "  ", item("three")].joined(separator: "\n") + "\n"
            let response = try await g.call(
                .post, "/v1/batches", json: nil, token: g.aliceToken, headers: [.contentType: "application/x-ndjson"], body: lines)
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            #expect(try batch(response).itemCount == 3)
            let malformed = try await g.call(
                .post, "/v1/batches", json: nil, token: g.aliceToken, headers: [.contentType: "application/x-ndjson"], body: item("a") + "\n{oops\n")
            #expect(malformed.status == .badRequest && String(buffer: malformed.body).contains("line 2"))
            let matrix = #"{"template": \#(item("t")), "matrix": {"prompt": ["a cat", "a dog"], "seed": [1, 2, 3]}}"#
            let made = try batch(try await g.call(.post, "/v1/batches", json: matrix, token: g.aliceToken))
            #expect(made.itemCount == 6)
            let rows = try await g.database.query(
                "SELECT prompt, seed FROM image_generations WHERE batch_id = \(made.id) ORDER BY batch_index")
            var combos: [String] = []
            for try await (prompt, seed) in rows.decode((String, Int).self) { combos.append("\(prompt)/\(seed)") }
            #expect(combos == ["a cat/1", "a cat/2", "a cat/3", "a dog/1", "a dog/2", "a dog/3"])
        }
    }

    @Test(
        "Idempotency-Key: the same items return the batch made (with a default deadline, and after their model was disabled); other items are a 409"
    )
    func idempotent() async throws {
        try await GatewayHarness.run(deadlines: Deadlines(fallback: .seconds(3600), ceiling: nil)) { g in
            let body = #"{"items": [\#(item("a")), \#(item("b"))]}"#
            let first = try await g.call(.post, "/v1/batches", json: body, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            try await Task.sleep(for: .milliseconds(20))
            let again = try await g.call(.post, "/v1/batches", json: body, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            #expect(first.status == .accepted && again.status == .ok, "\(String(buffer: again.body))")
            #expect(try batch(first).id == batch(again).id)
            // Disabled since: a retry is still answered with the batch it made; a new batch of it is refused.
            try await g.database.query("INSERT INTO model_states (model_id, disabled_reason, changed_by) VALUES (\(Self.schnell), 'gone', 'test')")
            try await Task.sleep(for: .milliseconds(1100))
            let late = try await g.call(.post, "/v1/batches", json: body, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            #expect(late.status == .ok)
            #expect(try batch(late).id == batch(first).id)
            let fresh = try await g.call(.post, "/v1/batches", json: body, token: g.aliceToken, headers: [.idempotencyKey: "k2"])
            #expect(fresh.status == .unprocessableContent && String(buffer: fresh.body).contains("items[0].model_id"))
            try await g.database.query("DELETE FROM model_states")
            let other = try await g.call(
                .post, "/v1/batches", json: #"{"items": [\#(item("c"))]}"#, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            #expect(other.status == .conflict)
            #expect(try await count(g, "SELECT count(*)::int8 FROM image_generations") == 2)
        }
    }

    @Test("The whole batch's expected cost is checked against the budget (402 with the figures, nothing created), then reserved")
    func budget() async throws {
        // FLUX Schnell is $0.003 an image: $0.01 covers three.
        try await GatewayHarness.run(monthlyBudget: 0.01) { g in
            let four = #"{"items": [\#((0..<4).map { item("x\($0)") }.joined(separator: ","))]}"#
            let refused = try await g.call(.post, "/v1/batches", json: four, token: g.aliceToken)
            #expect(refused.status.code == 402)
            let figures = try g.object(refused)
            #expect(figures["request_usd"] == .double(0.012) && figures["budget_usd"] == .double(0.01), "\(figures)")
            #expect(try await count(g, "SELECT count(*)::int8 FROM image_generations") == 0)
            let three = #"{"items": [\#((0..<3).map { item("x\($0)") }.joined(separator: ","))]}"#
            #expect(try await g.call(.post, "/v1/batches", json: three, token: g.aliceToken).status == .accepted)
            let reserved = try await firstRow(
                g.database, "SELECT reserved_usd::float8 FROM generation_slots WHERE user_id = \(g.alice)", as: Double.self)
            #expect(abs(reserved - 0.009) < 1e-9)
            // Nothing is left for a single request.
            #expect(try await g.call(.post, "/v1/generations", json: item("more"), token: g.aliceToken).status.code == 402)
        }
    }

    @Test("Batch items do not count against the running cap, and another user's single request is claimed before them")
    func lane() async throws {
        try await GatewayHarness.run(maxActivePerUser: 2) { g in
            let five = #"{"items": [\#((0..<5).map { item("b\($0)") }.joined(separator: ","))]}"#
            #expect(try await g.call(.post, "/v1/batches", json: five, token: g.aliceToken).status == .accepted)
            let aliceSingle = try await g.create()
            let bobSingle = try await g.create(token: g.bobToken)
            let queue = JobQueue(client: g.database, logger: TestDatabase.logger)
            var claimed: [String] = []
            for _ in 0..<3 {
                let job = try #require(try await queue.claim(limits: ["generate-image": 1], worker: "w", lease: .seconds(30)).first)
                let payload = try JSONCoding.decoder().decode([String: JSONValue].self, from: Data(job.payload.utf8))
                claimed.append(payload["generation_id"]?.string ?? "")
            }
            #expect(Set(claimed.prefix(2)) == [aliceSingle, bobSingle], "\(claimed)")
            #expect(try await count(g, "SELECT running::int8 FROM generation_slots WHERE user_id = \(g.alice)") == 1)
        }
    }

    @Test("Cancel in the middle stops what has not finished and keeps what has; DELETE then deletes every item")
    func cancelAndDelete() async throws {
        try await GatewayHarness.run { g in
            let body = #"{"items": [\#((0..<4).map { item("c\($0)") }.joined(separator: ","))]}"#
            let made = try batch(try await g.call(.post, "/v1/batches", json: body, token: g.aliceToken))
            let first = try await firstRow(
                g.database, "SELECT id FROM image_generations WHERE batch_id = \(made.id) AND batch_index = 0", as: UUID.self)
            for change in ["status = 'processing'", "status = 'downloading'", "status = 'completed', cost = 0.003, completed_at = now()"] {
                try await g.database.query(PostgresQuery(unsafeSQL: "UPDATE image_generations SET \(change) WHERE id = '\(first)'"))
            }
            try await g.database.query(
                "UPDATE job_queue SET status = 'completed', completed_at = now() WHERE dedupe_key = \("generate:" + first.lowercase)")
            let cancelled = try batch(try await g.call(.post, "/v1/batches/\(made.id.lowercase)/cancel", token: g.aliceToken))
            #expect(cancelled.status == .cancelled && cancelled.counts.completed == 1 && cancelled.counts.cancelled == 3, "\(cancelled)")
            #expect(abs(cancelled.costUsd - 0.003) < 1e-9 && cancelled.completedAt != nil)
            #expect(try await count(g, "SELECT count(*)::int8 FROM job_queue WHERE status = 'pending'") == 0)
            // The event stream of a finished batch sends where it stands once, then ends.
            let events = String(buffer: try await g.call(.get, "/v1/batches/\(made.id.lowercase)/events", token: g.aliceToken).body)
            #expect(events.components(separatedBy: "event: batch\n").count == 2 && events.contains(#""status":"cancelled""#), "\(events)")
            #expect(try await g.call(.delete, "/v1/batches/\(made.id.lowercase)", token: g.aliceToken).status == .noContent)
            #expect(try await g.call(.get, "/v1/batches/\(made.id.lowercase)", token: g.aliceToken).status == .notFound)
            #expect(try await g.call(.get, "/v1/generations/\(first.lowercase)", token: g.aliceToken).status == .notFound)
            #expect(try await count(g, "SELECT count(*)::int8 FROM image_generations WHERE batch_id = \(made.id) AND deleted_at IS NULL") == 0)
            #expect(try await count(g, "SELECT count(*)::int8 FROM generation_events WHERE event = 'deleted'") == 4)
            #expect(try await g.call(.delete, "/v1/batches/\(made.id.lowercase)", token: g.aliceToken).status == .notFound)
        }
    }
}
