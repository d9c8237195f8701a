import Catalog
import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import WireFormat

/// The catalog as operators change it at run time (through the dispatcher's admin API, here its store): a model's
/// price, a community model's version and an alias's weights, applied by the gateway within about a second.
@Suite("Catalog overrides")
struct CatalogOverrideTests {
    static let schnell = "black-forest-labs/flux-schnell"

    func model(_ g: GatewayHarness, _ id: String) async throws -> [String: JSONValue]? {
        guard case .array(let models)? = try g.object(try await g.call(.get, "/v1/models"))["models"] else { return nil }
        return models.first { $0.object?["id"]?.string == id }?.object
    }

    @Test("A price override is shown, reserved against the budget, stored on the generation and billed at; null goes back")
    func price() async throws {
        try await GatewayHarness.run(monthlyBudget: 0.02) { g in
            let states = ModelStateStore(client: g.database, logger: TestDatabase.logger)
            _ = try await states.setPrice(Self.schnell, usd: 0.01, reason: "Replicate raised it", by: "ops")
            try await eventually("/v1/models to show the new price") {
                try await model(g, Self.schnell)?["price_per_image"] == .double(0.01)
            }
            let shown = try #require(try await model(g, Self.schnell))
            #expect(shown["billing"]?.object?["usd"] == .double(0.01) && shown["billing"]?.object?["source"] == "operator override")
            let body = #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#
            let first = try #require(UUID(uuidString: try await g.create(body)))
            _ = try await g.create(body)
            let refused = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
            let problem = try g.object(refused)
            #expect(refused.status.code == 402 && problem["request_usd"] == .double(0.01), "two at $0.01 fill $0.02")
            let generation = try #require(try await GenerationStore(client: g.database, logger: TestDatabase.logger).find(first, userID: g.alice))
            #expect(generation.priceUsd == 0.01)
            #expect(generation.pricedModel?.cost(outputs: 1, predictTime: 1, width: 1024, height: 1024) == 0.01, "settled at its price")
            _ = try await states.setPrice(Self.schnell, usd: nil, reason: nil, by: "ops")
            try await eventually("the catalog's price again") { try await model(g, Self.schnell)?["price_per_image"] == .double(0.003) }
            #expect(try await g.call(.post, "/v1/generations", json: body, token: g.bobToken).status == .accepted)
        }
    }

    @Test("A pinned version is what a community model's new generations run, unless the request names the catalog's")
    func version() async throws {
        try await GatewayHarness.run { g in
            let pinned = String(repeating: "ab", count: 32)
            _ = try await ModelStateStore(client: g.database, logger: TestDatabase.logger).setVersion(
                "stability-ai/sdxl", version: pinned, reason: "rollback", by: "ops")
            try await Task.sleep(for: .milliseconds(1100))
            let made = try g.object(
                try await g.call(.post, "/v1/generations", json: #"{"prompt": "x", "model_id": "stability-ai/sdxl"}"#, token: g.aliceToken))
            #expect(made["model_version"] == .string(pinned))
            let own = try #require(ModelCatalog.model("stability-ai/sdxl")?.version)
            let named = try g.object(
                try await g.call(
                    .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "stability-ai/sdxl", "model_version": "\#(own)"}"#,
                    token: g.aliceToken))
            #expect(named["model_version"] == .string(own))
        }
    }

    @Test("New alias weights choose every user's variant; a retry of a request made before answers with its generation")
    func weights() async throws {
        try await GatewayHarness.run { g in
            let fast = try #require(ModelAlias.named("fast"))
            let before = fast.variant(for: g.alice)
            let other = try #require(fast.variants.map(\.modelID).first { $0 != before })
            let made = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "fast"}"#, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            #expect(try g.object(made)["model_id"] == .string(before))
            _ = try await ModelStateStore(client: g.database, logger: TestDatabase.logger).setWeights(
                "fast", weights: [before: 0, other: 5], reason: "all on the new one", by: "ops")
            try await Task.sleep(for: .milliseconds(1100))
            let after = try await g.call(.post, "/v1/generations", json: #"{"prompt": "x", "model_id": "fast"}"#, token: g.aliceToken)
            #expect(try g.object(after)["model_id"] == .string(other))
            let retry = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "fast"}"#, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            let (retried, original) = (try g.object(retry)["id"], try g.object(made)["id"])
            #expect(retry.status == .ok && retried == original)
            guard case .array(let aliases)? = try g.object(try await g.call(.get, "/v1/models"))["aliases"],
                let shown = aliases.first(where: { $0.object?["name"] == "fast" })?.object?["variants"]
            else {
                Issue.record("no fast alias")
                return
            }
            let weights = shown.array?.compactMap { variant in
                variant.object.flatMap { v in v["weight"]?.number.map { (v["model_id"]?.string ?? "", $0) } }
            }
            #expect(weights.map { Dictionary(uniqueKeysWithValues: $0) } == [before: 0, other: 5])
        }
    }
}
