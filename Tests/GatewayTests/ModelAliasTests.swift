import Catalog
import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import WireFormat

/// Model experiments: an alias runs one of its variants by weight, the same one for the same user, recorded and counted.
@Suite("Model aliases")
struct ModelAliasTests {
    @Test("Variants split users by weight, and a user always gets the same one")
    func weights() throws {
        let fast = try #require(ModelAlias.named("fast"))
        let users = (0..<10_000).map { _ in UUID() }
        let schnell = users.filter { fast.variant(for: $0) == "black-forest-labs/flux-schnell" }.count
        #expect((8_800...9_200).contains(schnell), "\(schnell) of 10,000 users got the 90 % variant")
        #expect(users.prefix(100).allSatisfy { fast.variant(for: $0) == fast.variant(for: $0) })
        #expect(Set(users.map { fast.variant(for: $0) }) == ["black-forest-labs/flux-schnell", "bytedance/sdxl-lightning-4step"])
    }

    @Test("A request for an alias runs the user's variant, records the alias, is listed and counted by variant")
    func throughTheAPI() async throws {
        try await GatewayHarness.run { g in
            let expected = try #require(ModelAlias.named("fast")).variant(for: g.alice)
            for _ in 0..<3 {
                let response = try await g.call(.post, "/v1/generations", json: #"{"prompt": "x", "model_id": "fast"}"#, token: g.aliceToken)
                #expect(response.status == .accepted)
                let generation = try g.object(response)
                #expect(generation["model_id"] == .string(expected) && generation["model_alias"] == "fast")
            }
            let models = try g.object(try await g.call(.get, "/v1/models"))
            guard case .array(let aliases)? = models["aliases"] else {
                Issue.record("no aliases")
                return
            }
            #expect(aliases.contains { $0.object?["name"] == "fast" })
            let usage = try g.object(try await g.call(.get, "/v1/usage?group_by=variant", token: g.aliceToken))
            guard case .array(let rows)? = usage["data"] else {
                Issue.record("no usage")
                return
            }
            #expect(rows.count == 1 && rows[0].object?["key"] == .string("fast: \(expected)") && rows[0].object?["generations"] == .int(3))
            let unknown = try await g.call(.post, "/v1/generations", json: #"{"prompt": "x", "model_id": "fastest"}"#, token: g.aliceToken)
            #expect(unknown.status == .unprocessableContent && String(buffer: unknown.body).contains("fast"))
        }
    }
}
