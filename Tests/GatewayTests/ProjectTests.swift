import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import WireFormat

/// Projects: users grouped under one monthly budget and one cap on running generations, enforced in the create
/// statement besides each user's own (made here through the store the dispatcher's admin API uses).
@Suite("Projects")
struct ProjectTests {
    let body = #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#

    func project(_ g: GatewayHarness, budget: Double? = nil, cap: Int? = nil, rate: Int? = nil) async throws -> (ProjectStore, UUID) {
        let projects = ProjectStore(client: g.database, logger: TestDatabase.logger)
        let made = try await projects.create(name: "app-\(UUID())", limits: .init(monthlyBudget: budget, maxRunning: cap, ratePerMinute: rate))
        let (alice, bob) = (try await projects.add(g.alice, to: made.id), try await projects.add(g.bob, to: made.id))
        #expect(alice && bob)
        return (projects, made.id)
    }

    @Test("A project's budget binds its members together (402 scope project, nothing written); a member removed is on their own")
    func budget() async throws {
        // FLUX Schnell reserves $0.003: the project's $0.009 holds three, whoever makes them.
        try await GatewayHarness.run { g in
            let (projects, id) = try await project(g, budget: 0.009)
            _ = try await g.create(body)
            _ = try await g.create(body, token: g.bobToken)
            _ = try await g.create(body)
            let refused = try await g.call(.post, "/v1/generations", json: body, token: g.bobToken)
            let problem = try g.object(refused)
            #expect(refused.status.code == 402 && problem["scope"] == "project" && problem["budget_usd"] == .double(0.009), "\(problem)")
            let batch = try await g.call(.post, "/v1/batches", json: #"{"items": [\#(body)]}"#, token: g.aliceToken)
            let batchProblem = try g.object(batch)
            #expect(batch.status.code == 402 && batchProblem["scope"] == "project")
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 3, "nothing half-written")
            let shown = try #require(try await projects.find(id))
            #expect(shown.running == 3 && abs(shown.reservedUsd - 0.009) < 1e-9 && shown.members.count == 2)
            #expect(try await projects.remove(g.bob, from: id))
            _ = try await g.create(body, token: g.bobToken)  // his own limits only now
        }
    }

    @Test("A project's cap on running generations holds under twenty concurrent creates of two members; a finished one frees a place")
    func cap() async throws {
        try await GatewayHarness.run(maxActivePerUser: 100) { g in
            let (projects, id) = try await project(g, cap: 5)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await g.call(.post, "/v1/generations", json: body, token: index.isMultiple(of: 2) ? g.aliceToken : g.bobToken).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 202 }.count == 5 && statuses.filter { $0 == 429 }.count == 15, "\(statuses.sorted())")
            let refused = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
            #expect(String(buffer: refused.body).contains("project") && refused.headers[.retryAfter] != nil)
            // One finishes, with its cost: the project counts the spend and frees the place.
            let first = try await firstRow(g.database, "SELECT id FROM image_generations ORDER BY created_at LIMIT 1", as: UUID.self)
            for status in ["processing", "downloading", "completed"] {
                try await g.database.query("UPDATE image_generations SET status = \(status), cost = 0.002 WHERE id = \(first)")
            }
            let shown = try #require(try await projects.find(id))
            #expect(shown.running == 4 && abs(shown.spentUsd - 0.002) < 1e-9, "\(shown)")
            _ = try await g.create(body, token: g.bobToken)
            let usage = try await GenerationStore(client: g.database, logger: TestDatabase.logger).usage(
                userID: nil, from: Date().addingTimeInterval(-60), to: Date().addingTimeInterval(60), groupBy: .project)
            #expect(usage.map(\.key) == [id.lowercase] && usage.first?.generations == 6)
        }
    }

    @Test(
        "A project's keys answer to the project's limits, not a user's cap or rate; a key's own monthly budget binds what is made with it (402 scope key); deleting the project revokes its keys"
    )
    func projectKeys() async throws {
        // A user may run one generation at once and make two a minute; FLUX Schnell reserves $0.003; the project's
        // budget holds three. The project's keys make seven requests below.
        try await GatewayHarness.run(maxActivePerUser: 1, ratePerMinute: 2) { g in
            let (projects, id) = try await project(g, budget: 0.009)
            let keys = ApiKeyStore(client: g.database, logger: TestDatabase.logger)
            let budgeted = try #require(try await keys.create(NewApiKey(name: "backend", monthlyBudget: 0.006), userID: id).key)
            let open = try #require(try await keys.create(NewApiKey(name: "worker"), userID: id).key)
            _ = try await g.create(body, token: budgeted)
            _ = try await g.create(body, token: budgeted)  // past one user's cap: the project's own user has none
            let keyRefused = try await g.call(.post, "/v1/generations", json: body, token: budgeted)
            let keyProblem = try g.object(keyRefused)
            #expect(keyRefused.status.code == 402 && keyProblem["scope"] == "key" && keyProblem["budget_usd"] == .double(0.006), "\(keyProblem)")
            let batch = try await g.call(.post, "/v1/batches", json: #"{"items": [\#(body)]}"#, token: budgeted)
            #expect(try batch.status.code == 402 && g.object(batch)["scope"] == "key")
            _ = try await g.create(body, token: open)
            let projectRefused = try await g.call(.post, "/v1/generations", json: body, token: open)
            #expect(try projectRefused.status.code == 402 && g.object(projectRefused)["scope"] == "project")
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations WHERE user_id = \(id)", as: Int.self) == 3)
            let listed = try await keys.list(userID: id)
            let shown = try #require(listed.first { $0.name == "backend" })
            #expect(shown.monthlyBudgetUsd == 0.006 && shown.spentUsd == 0 && listed.first { $0.name == "worker" }?.monthlyBudgetUsd == nil)
            #expect(try await scalar(g.database, "SELECT reserved_usd::float8 FROM api_key_slots", as: Double.self) == 0.006)
            // The project's own user is not listed among its members and cannot be removed.
            #expect(try await projects.find(id)?.members.count == 2)
            #expect(try await projects.remove(id, from: id) == false)
            #expect(try await projects.delete(id))
            #expect(try await g.call(.get, "/v1/generations", token: open).status == .unauthorized)
        }
    }

    @Test("A project's rate holds across its members on two gateways together; a user outside it is not counted")
    func projectRate() async throws {
        try await GatewayHarness.run { g in
            _ = try await project(g, rate: 3)
            try await g.withSecondGateway { second in
                var headers: HTTPFields = [.authorization: "Bearer \(g.bobToken)", .contentType: "application/json"]
                _ = try await g.create(body)
                _ = try await g.create(body)
                let third = try await second.execute(uri: "/v1/generations", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(third.status == .accepted)
                let refused = try await second.execute(uri: "/v1/generations", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(refused.status == .tooManyRequests && String(buffer: refused.body).contains("project"), "\(String(buffer: refused.body))")
                #expect(refused.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
                let carol = try await UserAuthenticator(secret: GatewayHarness.secret).token(for: UUID())
                headers[.authorization] = "Bearer \(carol)"
                #expect(
                    try await second.execute(uri: "/v1/generations", method: .post, headers: headers, body: ByteBuffer(string: body)).status
                        == .accepted)
            }
        }
    }
}
