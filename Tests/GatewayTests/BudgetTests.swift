import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// Monthly budgets, checked in the create statement against this month's spend plus what running generations reserve.
@Suite("Budgets")
struct BudgetTests {
    let body = #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#

    @Test("Fifty concurrent POSTs against a budget for five create exactly five; the rest answer 402 with the figures")
    func concurrent() async throws {
        // FLUX Schnell is $0.003 an image: $0.015 covers five.
        try await GatewayHarness.run(maxActivePerUser: 1000, monthlyBudget: 0.015) { g in
            let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
                        return (response.status, String(buffer: response.body))
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, String)]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.0 == .accepted }.count == 5)
            let refused = answers.filter { $0.0.code == 402 }
            #expect(refused.count == 45)
            let problem = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(refused.first).1.utf8))
            #expect(problem["type"] == "https://imagegen.dev/problems/budget-exhausted")
            #expect(problem["budget_usd"] == .double(0.015) && problem["request_usd"] == .double(0.003))
            #expect(problem["committed_usd"]?.number.map { abs($0 - 0.015) < 1e-9 } == true)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 5)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM job_queue", as: Int.self) == 5)
            _ = try await g.create(token: g.bobToken)  // the budget is per user
        }
    }

    @Test("A finished generation's cost counts, a cancelled one's reservation is released, a user's own budget wins")
    func accounting() async throws {
        try await GatewayHarness.run(monthlyBudget: 0.006) { g in
            let first = try await g.create(body)
            let second = try await g.create(body)
            #expect(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status.code == 402)
            // Cancelling releases its reservation.
            #expect(try await g.call(.post, "/v1/generations/\(second)/cancel", token: g.aliceToken).status == .ok)
            let third = try await g.create(body)
            // A completed generation that cost less than expected frees the difference.
            try await g.database.query(
                "UPDATE image_generations SET status = 'processing' WHERE id = \(UUID(uuidString: first)!)"
            )
            try await g.database.query(
                "UPDATE image_generations SET status = 'downloading', cost = 0.001 WHERE id = \(UUID(uuidString: first)!)"
            )
            try await g.database.query(
                "UPDATE image_generations SET status = 'completed', completed_at = now() WHERE id = \(UUID(uuidString: first)!)"
            )
            let slots = try await firstRow(
                g.database, "SELECT spent_usd::float8, reserved_usd::float8 FROM generation_slots WHERE user_id = \(g.alice)",
                as: (Double, Double).self
            )
            #expect(abs(slots.0 - 0.001) < 1e-9 && abs(slots.1 - 0.003) < 1e-9)
            #expect(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status.code == 402)
            _ = third
            // The user's own budget overrides the default.
            try await g.database.query("UPDATE generation_slots SET monthly_budget_usd = 1 WHERE user_id = \(g.alice)")
            _ = try await g.create(body)
        }
    }

    @Test("Usage by model and by day counts generations, images and the costs known; bad parameters are 422 naming the field")
    func usage() async throws {
        try await GatewayHarness.run { g in
            let priced = UUID(uuidString: try await g.create(body))!
            _ = try await g.create(#"{"prompt": "x", "model_id": "stability-ai/sdxl"}"#)
            for status in ["processing", "downloading", "completed"] {
                try await g.database.query("UPDATE image_generations SET status = \(status), cost = 0.003 WHERE id = \(priced)")
            }
            try await g.database.query(
                """
                INSERT INTO images (generation_id, user_id, filename, storage_path, public_url, file_size, width, height, format, content_type, sha256)
                VALUES (\(priced), \(g.alice), 'a.webp', 'a.webp', 'http://x/a.webp', 1, 1, 1, 'webp', 'image/webp', 'x')
                """
            )
            let byModel = try g.object(try await g.call(.get, "/v1/usage?group_by=model", token: g.aliceToken))
            guard case .array(let rows)? = byModel["data"], case .object(let total)? = byModel["total"] else {
                Issue.record("no data in \(byModel)")
                return
            }
            #expect(rows.count == 2)
            #expect(
                total["generations"] == .int(2) && total["completed"] == .int(1) && total["images"] == .int(1) && total["cost_usd"] == .double(0.003))
            let byDay = try g.object(try await g.call(.get, "/v1/usage", token: g.aliceToken))
            #expect(byDay["group_by"] == "day")
            #expect(
                try g.object(try await g.call(.get, "/v1/usage", token: g.bobToken))["total"].flatMap {
                    if case .object(let t) = $0 { t["generations"] } else { nil }
                } == .int(0))
            let bad = try await g.call(.get, "/v1/usage?group_by=user&from=yesterday", token: g.aliceToken)
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains("group_by") && String(buffer: bad.body).contains("from"))
        }
    }
}

extension BudgetTests {
    @Test(
        "The budget month is the UTC calendar month whatever the session's time zone",
        arguments: [
            ("Pacific/Kiritimati", "2026-11-30 23:30:00+00", "2026-11-01"), ("America/Los_Angeles", "2026-12-01 00:30:00+00", "2026-12-01"),
            ("UTC", "2026-12-31 23:59:59+00", "2026-12-01"),
        ])
    func utcMonth(zone: String, moment: String, month: String) async throws {
        try await TestDatabase.withClient { client, _ in
            try await client.withConnection { connection in
                try await connection.query("SELECT set_config('TimeZone', \(zone), false)", logger: TestDatabase.logger)
                let rows = try await connection.query("SELECT imagegen_budget_month(\(moment)::timestamptz)::text", logger: TestDatabase.logger)
                for try await value in rows.decode(String.self) { #expect(value == month) }
                // The spend a trigger records in such a session is filed under the same function's month.
                let user = UUID()
                try await connection.query("INSERT INTO generation_slots (user_id) VALUES (\(user))", logger: TestDatabase.logger)
                let filed = try await connection.query(
                    "SELECT spent_month = imagegen_budget_month(now()) FROM generation_slots WHERE user_id = \(user)", logger: TestDatabase.logger
                )
                for try await same in filed.decode(Bool.self) { #expect(same) }
            }
        }
    }
}
