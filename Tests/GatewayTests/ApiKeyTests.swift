import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PublicAPI
import TestSupport
import Testing
import WireFormat

/// API keys: `Bearer igk_…` wherever a user token works, within the key's scopes, revocable at once on every gateway.
@Suite("API keys")
struct ApiKeyTests {
    func key(_ response: TestResponse) throws -> ApiKeyBody {
        try JSONCoding.decoder().decode(ApiKeyBody.self, from: Data(buffer: response.body))
    }

    func make(_ g: GatewayHarness, _ json: String, token: String? = nil) async throws -> ApiKeyBody {
        let response = try await g.call(.post, "/v1/keys", json: json, token: token ?? g.aliceToken)
        guard response.status == .created else {
            throw TestEnvironmentError(description: "POST /v1/keys answered \(response.status): \(String(buffer: response.body))")
        }
        return try key(response)
    }

    static let create = #"{"prompt": "a cat", "model_id": "black-forest-labs/flux-schnell"}"#

    @Test("A key is shown once and kept as a hash; it acts for its user within its scopes, and 403 names a missing scope")
    func scopes() async throws {
        try await GatewayHarness.run { g in
            let full = try await make(g, #"{"name": "backend"}"#)
            let secret = try #require(full.key)
            #expect(secret.hasPrefix("igk_") && secret.count > 40 && full.scopes == [.generate, .read])
            #expect(full.hint.hasPrefix(String(secret.prefix(10))))
            // Only its hash is stored: no column holds the key.
            let rows = try await g.database.query("SELECT count(*)::int8 FROM api_keys WHERE hash = \(ApiKeyStore.hash(secret))")
            for try await count in rows.decode(Int.self) { #expect(count == 1) }
            let plain = try await g.database.query("SELECT count(*)::int8 FROM api_keys k WHERE strpos(k::text, \(secret)) > 0")
            for try await count in plain.decode(Int.self) { #expect(count == 0) }

            // It creates and reads as Alice.
            let created = try await g.call(.post, "/v1/generations", json: Self.create, token: secret)
            #expect(created.status == .accepted)
            let generation = try g.object(created)
            #expect(generation["user_id"]?.string == g.alice.lowercase)
            let id = try #require(generation["id"]?.string)
            #expect(try await g.call(.get, "/v1/generations/\(id)", token: secret).status == .ok)
            // Not delete, not admin: 403 naming the scope.
            let deleting = try await g.call(.delete, "/v1/generations/\(id)", token: secret)
            #expect(deleting.status == .forbidden && String(buffer: deleting.body).contains("delete scope"))
            let minting = try await g.call(.post, "/v1/keys", json: #"{"name": "x"}"#, token: secret)
            #expect(minting.status == .forbidden && String(buffer: minting.body).contains("admin scope"))

            // A read-only key cannot create.
            let reader = try #require(try await make(g, #"{"name": "dashboard", "scopes": ["read"]}"#).key)
            let refused = try await g.call(.post, "/v1/generations", json: Self.create, token: reader)
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("generate scope"))
            #expect(try await g.call(.get, "/v1/generations", token: reader).status == .ok)

            // The list never shows a key again, and says when each was last used.
            let list = try JSONCoding.decoder().decode(
                ApiKeyList.self, from: Data(buffer: try await g.call(.get, "/v1/keys", token: g.aliceToken).body))
            #expect(list.data.count == 2 && list.data.allSatisfy { $0.key == nil })
            #expect(list.data.first { $0.id == full.id }?.lastUsedAt != nil)
            #expect(try await g.call(.get, "/v1/keys", token: g.bobToken).body.readableBytes < 20)

            // Usage tells the key's generations from the user token's.
            _ = try await g.create()
            let usage = try JSONCoding.decoder().decode(
                UsageReport.self, from: Data(buffer: try await g.call(.get, "/v1/usage?group_by=key", token: g.aliceToken).body))
            #expect(Set(usage.data.map { "\($0.key)=\($0.generations)" }) == ["\(full.id.lowercase)=1", "token=1"], "\(usage.data)")

            // Bad requests name the field; a made-up key is 401.
            let bad = try await g.call(
                .post, "/v1/keys", json: #"{"name": "", "scopes": ["root"], "expires_at": "2001-01-01T00:00:00Z"}"#, token: g.aliceToken)
            #expect(bad.status == .unprocessableContent)
            let fields = Set(String(buffer: bad.body).matches(of: /"field":"([a-z_]+)"/).map { String($0.1) })
            #expect(fields == ["name", "scopes", "expires_at"], "\(String(buffer: bad.body))")
            #expect(try await g.call(.get, "/v1/generations", token: "igk_madeup").status == .unauthorized)
        }
    }

    @Test("A key revoked through one gateway is refused at once by another; an expired key is refused; only its owner revokes it")
    func revocation() async throws {
        try await GatewayHarness.run { g in
            let made = try await make(g, #"{"name": "ci", "scopes": ["generate", "read", "delete"]}"#)
            let secret = try #require(made.key)
            try await g.withSecondGateway { other in
                let before = try await other.execute(uri: "/v1/generations", method: .get, headers: [.authorization: "Bearer \(secret)"], body: nil)
                #expect(before.status == .ok)
                #expect(try await g.call(.delete, "/v1/keys/\(made.id.lowercase)", token: g.bobToken).status == .notFound)
                #expect(try await g.call(.delete, "/v1/keys/\(made.id.lowercase)", token: g.aliceToken).status == .noContent)
                let after = try await other.execute(uri: "/v1/generations", method: .get, headers: [.authorization: "Bearer \(secret)"], body: nil)
                #expect(after.status == .unauthorized)
            }
            let soon = try #require(try await make(g, #"{"name": "short"}"#).key)
            try await g.database.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE hash = \(ApiKeyStore.hash(soon))")
            #expect(try await g.call(.get, "/v1/generations", token: soon).status == .unauthorized)
        }
    }
}
