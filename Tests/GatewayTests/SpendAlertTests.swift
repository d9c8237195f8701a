import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// Spend alerts (`budget.threshold` at 50, 80 and 100 % of a user's monthly budget, once each a month, posted to the
/// user's account webhook) and the account-wide monthly ceiling (`GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD`).
@Suite("Spend alerts and the account ceiling")
struct SpendAlertTests {
    let body = #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#

    /// Finishes generation `id` with `cost` as the generator and downloader would (each status in turn).
    func finish(_ g: GatewayHarness, _ id: String, cost: Double) async throws {
        let id = try #require(UUID(uuidString: id))
        try await g.database.query("UPDATE image_generations SET status = 'processing' WHERE id = \(id)")
        try await g.database.query("UPDATE image_generations SET status = 'downloading', cost = \(cost)::float8::numeric WHERE id = \(id)")
        try await g.database.query("UPDATE image_generations SET status = 'completed', completed_at = now() WHERE id = \(id)")
    }

    func deliveries(_ g: GatewayHarness, of user: UUID) async throws -> [String] {
        var keys: [String] = []
        let rows = try await g.database.query(
            "SELECT dedupe_key FROM job_queue WHERE job_type = 'deliver-webhook' AND payload->>'user_id' = \(user.lowercase) ORDER BY dedupe_key")
        for try await key in rows.decode(String.self) { keys.append(key) }
        return keys
    }

    @Test("The account webhook is set, shown and removed; a bad url or field is 422 naming it; a key needs the admin scope")
    func accountWebhook() async throws {
        try await GatewayHarness.run { g in
            #expect(try await g.call(.get, "/v1/account/webhook", token: g.aliceToken).status == .notFound)
            for (json, field) in [
                (#"{"url": "http://example.com/hook"}"#, "url"), (#"{"url": 7}"#, "url"), (#"{}"#, "url"),
                (#"{"url": "https://example.com/hook", "events": []}"#, "events"),
            ] {
                let refused = try await g.call(.put, "/v1/account/webhook", json: json, token: g.aliceToken)
                #expect(refused.status == .unprocessableContent, "\(json)")
                #expect(String(buffer: refused.body).contains(#""field":"\#(field)""#), "\(json): \(String(buffer: refused.body))")
            }
            #expect(try await g.call(.get, "/v1/account/webhook", token: g.aliceToken).status == .notFound, "nothing was written")
            let set = try await g.call(.put, "/v1/account/webhook", json: #"{"url": "https://hooks.example.com/budget"}"#, token: g.aliceToken)
            #expect(set.status == .ok)
            #expect(try g.object(set)["url"] == "https://hooks.example.com/budget" && g.object(set)["events"] == .array(["budget.threshold"]))
            #expect(try g.object(try await g.call(.get, "/v1/account/webhook", token: g.aliceToken))["url"] == "https://hooks.example.com/budget")
            #expect(try await g.call(.get, "/v1/account/webhook", token: g.bobToken).status == .notFound, "it is alice's")
            // A key without `admin` cannot change where alerts go.
            let key = try g.object(try await g.call(.post, "/v1/keys", json: #"{"name": "app"}"#, token: g.aliceToken))["key"]?.string ?? ""
            let scoped = try await g.call(.put, "/v1/account/webhook", json: #"{"url": "https://evil.example.com/"}"#, token: key)
            #expect(scoped.status == .forbidden && String(buffer: scoped.body).contains("admin"))
            #expect(try await g.call(.delete, "/v1/account/webhook", token: g.aliceToken).status == .noContent)
            #expect(try await g.call(.delete, "/v1/account/webhook", token: g.aliceToken).status == .notFound)
        }
    }

    @Test("Spend crossing 50 % then 100 % of the budget enqueues one budget.threshold each (80 % with it), once, with two gateways watching")
    func thresholdsOnce() async throws {
        // FLUX Schnell reserves $0.003 an image; the budget is $0.01.
        try await GatewayHarness.run(monthlyBudget: 0.01) { g in
            try await g.withSecondGateway { second in
                _ = try await g.call(.put, "/v1/account/webhook", json: #"{"url": "https://hooks.example.com/budget"}"#, token: g.aliceToken)
                let first = try await g.create(body)
                try await finish(g, first, cost: 0.0055)
                // Bob crosses too but has no webhook: recorded, nothing to post.
                try await finish(g, try await g.create(body, token: g.bobToken), cost: 0.0055)
                try await eventually("the 50 % crossings to be recorded") {
                    try await scalar(g.database, "SELECT count(*)::int8 FROM budget_alerts WHERE threshold = 50", as: Int.self) == 2
                }
                let month = try await scalar(g.database, "SELECT to_char(imagegen_budget_month(now()), 'YYYY-MM')", as: String.self)
                #expect(try await deliveries(g, of: g.alice) == ["webhook:budget:\(g.alice.lowercase):\(month):50"])
                #expect(try await deliveries(g, of: g.bob) == [])
                // Past 100 %: the 80 % and 100 % crossings go out together, each once.
                try await finish(g, try await g.create(body), cost: 0.0045)
                try await eventually("the 100 % crossing to be recorded") {
                    try await scalar(g.database, "SELECT count(*)::int8 FROM budget_alerts WHERE user_id = \(g.alice)", as: Int.self) == 3
                }
                // A few more rounds of both gateways' watch find nothing new.
                try await Task.sleep(for: .seconds(6))
                #expect(
                    try await deliveries(g, of: g.alice) == [50, 80, 100].map { "webhook:budget:\(g.alice.lowercase):\(month):\($0)" }.sorted())
                let recorded = try await firstRow(
                    g.database, "SELECT budget_usd::float8, spent_usd::float8 FROM budget_alerts WHERE user_id = \(g.alice) AND threshold = 100",
                    as: (Double, Double).self)
                #expect(abs(recorded.0 - 0.01) < 1e-9 && abs(recorded.1 - 0.01) < 1e-9)
                _ = second
            }
        }
    }

    @Test("The account ceiling refuses a create that would pass it, whoever asks, with 402 and the figures; a reservation freed makes room")
    func accountCeiling() async throws {
        // Three FLUX Schnell images ($0.003 each) fit $0.01; a fourth does not, for any user.
        try await GatewayHarness.run(accountMonthlyBudget: 0.01) { g in
            _ = try await g.create(body)
            _ = try await g.create(body, token: g.bobToken)
            let third = try await g.create(body)
            let refused = try await g.call(.post, "/v1/generations", json: body, token: g.bobToken)
            #expect(refused.status.code == 402)
            let problem = try g.object(refused)
            #expect(
                problem["type"] == "https://imagegen.dev/problems/budget-exhausted" && problem["budget_usd"] == .double(0.01)
                    && problem["scope"] == "account")
            #expect(problem["title"] == "Account monthly ceiling reached")
            let batch = try await g.call(.post, "/v1/batches", json: #"{"items": [\#(body)]}"#, token: g.aliceToken)
            #expect(batch.status.code == 402)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 3, "nothing half-written")
            // A generation that cost less than reserved frees room once the gateway reads the account again.
            try await finish(g, third, cost: 0.0001)
            try await eventually("the freed reservation to admit a create") {
                try await g.call(.post, "/v1/generations", json: body, token: g.bobToken).status == .accepted
            }
        }
    }

    @Test("A project's spend crossing its budget's thresholds goes to the account webhook set with the project's key, naming the project")
    func projectThresholds() async throws {
        try await GatewayHarness.run { g in
            let projects = ProjectStore(client: g.database, logger: TestDatabase.logger)
            let project = try await projects.create(name: "app", limits: .init(monthlyBudget: 0.01))
            #expect(try await projects.add(g.alice, to: project.id))
            let key = try #require(
                try await ApiKeyStore(client: g.database, logger: TestDatabase.logger).create(
                    NewApiKey(name: "ops", scopes: [.admin, .generate]), userID: project.id
                ).key)
            let set = try await g.call(.put, "/v1/account/webhook", json: #"{"url": "https://hooks.example.com/app"}"#, token: key)
            #expect(set.status == .ok)
            try await finish(g, try await g.create(body), cost: 0.004)
            try await finish(g, try await g.create(body, token: key), cost: 0.002)
            let alerts = BudgetAlertStore(client: g.database, logger: TestDatabase.logger)
            #expect(try await alerts.raiseCrossed(defaultBudget: nil) == 1)
            let month = try await scalar(g.database, "SELECT to_char(imagegen_budget_month(now()), 'YYYY-MM')", as: String.self)
            #expect(try await deliveries(g, of: project.id) == ["webhook:budget:\(project.id.lowercase):\(month):50"])
            let event = try #require(try await alerts.event(user: project.id, month: month, threshold: 50))
            #expect(event.body.projectId == project.id && event.url == "https://hooks.example.com/app" && abs(event.body.spentUsd - 0.006) < 1e-9)
            #expect(try await alerts.raiseCrossed(defaultBudget: nil) == 0, "once")
        }
    }
}
