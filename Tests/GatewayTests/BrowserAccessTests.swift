import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import TestSupport
import Testing
import WireFormat

/// What a web page on another origin needs: CORS on the allowed origins only, and event streams it can open without
/// an Authorization header (EventSource sends none).
@Suite("Browser access")
struct BrowserAccessTests {
    let origin = GatewayHarness.allowedOrigin

    @Test("Preflight is answered on every public route for an allowed origin, and for no other")
    func preflight() async throws {
        try await GatewayHarness.run { g in
            for path in ["/v1/generations", "/functions/v1/start-generation", "/v1/generations/\(UUID().lowercase)/cancel"] {
                let response = try await g.call(
                    .options, path,
                    headers: [.origin: origin, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type"]
                )
                #expect(response.status == .noContent, "\(path)")
                #expect(response.headers[.accessControlAllowOrigin] == origin)
                #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
            }
            let foreign = try await g.call(
                .options, "/v1/generations", headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("Answers to an allowed origin, errors included, carry the headers a page needs to read them")
    func answers() async throws {
        try await GatewayHarness.run { g in
            let created = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#, token: g.aliceToken,
                headers: [.origin: origin]
            )
            #expect(created.status == .accepted && created.headers[.accessControlAllowOrigin] == origin)
            #expect(created.headers[.accessControlExposeHeaders]?.contains("Location") == true)
            let refused = try await g.call(.get, "/v1/generations", headers: [.origin: origin])
            #expect(refused.status == .unauthorized && refused.headers[.accessControlAllowOrigin] == origin)
            let foreign = try await g.call(.get, "/v1/models", headers: [.origin: "https://evil.example"])
            #expect(foreign.status == .ok && foreign.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("A stream token opens its own generation's events without a header; another generation's, a made-up or no token is 401")
    func streamToken() async throws {
        try await GatewayHarness.run { g in
            let id = try await g.create()
            let other = try await g.create()
            // Finished, so the stream replays its events and ends.
            #expect(try await g.call(.post, "/v1/generations/\(id)/cancel", token: g.aliceToken).status == .ok)
            #expect(try await g.call(.post, "/v1/generations/\(id)/stream-token", token: g.bobToken).status == .notFound)
            let minted = try await g.call(.post, "/v1/generations/\(id)/stream-token", token: g.aliceToken)
            #expect(minted.status == .created)
            let body = try g.object(minted)
            let url = try #require(body["events_url"]?.string)
            let token = try #require(body["token"]?.string)
            #expect(url == "/v1/generations/\(id)/events?token=\(token)")
            let stream = try await g.call(.get, url)
            #expect(stream.status == .ok && stream.headers[.contentType] == "text/event-stream")
            #expect(String(buffer: stream.body).contains(#""status":"cancelled""#))
            #expect(try await g.call(.get, "/v1/generations/\(other)/events?token=\(token)").status == .unauthorized)
            #expect(try await g.call(.get, "/v1/generations/\(id)/events?token=made-up").status == .unauthorized)
            #expect(try await g.call(.get, "/v1/generations/\(id)/events").status == .unauthorized)
            // Only a hash is stored.
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM stream_tokens WHERE token_hash = \(token)", as: Int.self) == 0)
        }
    }
}

@Suite("Rate limit")
struct RateLimitTests {
    @Test("Two gateways together allow exactly the rate; past it, 429 carries Retry-After and the IETF draft's RateLimit-* headers")
    func sharedAcrossGateways() async throws {
        try await GatewayHarness.run(ratePerMinute: 6) { g in
            let body = #"{"prompt": "a cat", "model_id": "black-forest-labs/flux-schnell"}"#
            try await g.withSecondGateway { other in
                var statuses: [HTTPResponse.Status] = []
                var last: TestResponse?
                for attempt in 0..<10 {
                    let response =
                        attempt.isMultiple(of: 2)
                        ? try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
                        : try await other.execute(
                            uri: "/v1/generations", method: .post,
                            headers: [.authorization: "Bearer \(g.aliceToken)", .contentType: "application/json"], body: ByteBuffer(string: body))
                    statuses.append(response.status)
                    last = response
                }
                #expect(statuses.filter { $0 == .accepted }.count == 6, "\(statuses)")
                #expect(statuses.suffix(4).allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
                let refused = try #require(last)
                let retry = try #require(refused.headers[.retryAfter].flatMap(Int.init))
                #expect((1...10).contains(retry))
                #expect(refused.headers[HTTPField.Name("RateLimit-Limit")!] == "6")
                #expect(refused.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
                #expect(refused.headers[HTTPField.Name("RateLimit-Reset")!].flatMap(Int.init).map { $0 >= retry && $0 <= 60 } == true)
                // Per user: Bob is not held back by Alice's requests.
                #expect(try await g.call(.post, "/v1/generations", json: body, token: g.bobToken).status == .accepted)
            }
        }
    }

    static let limit = HTTPField.Name("RateLimit-Limit")!
    static let remaining = HTTPField.Name("RateLimit-Remaining")!

    @Test("Every other write takes from the user's write bucket, apart from creates; every limited answer carries RateLimit-*, errors too")
    func writes() async throws {
        try await GatewayHarness.run(ratePerMinute: 100, writeRatePerMinute: 3) { g in
            let id = try await g.create()
            let created = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#, token: g.aliceToken)
            #expect(created.headers[Self.limit] == "100" && created.headers[Self.remaining] == "98", "\(created.headers)")
            var statuses: [Int] = []
            for path in [
                "/v1/generations/\(id)/stream-token", "/v1/webhook-secret/rotate", "/v1/generations/\(UUID())/cancel",
                "/v1/generations/\(id)/stream-token",
            ] {
                let answer = try await g.call(.post, path, token: g.aliceToken)
                statuses.append(answer.status.code)
                #expect(answer.headers[Self.limit] == "3", "\(path): \(answer.headers)")
            }
            #expect(statuses == [201, 200, 404, 429], "three writes a minute, a 404 counted and labelled too")
            #expect(try await g.call(.post, "/v1/generations/\(id)/stream-token", token: g.bobToken).status == .notFound, "bob's bucket is his own")
            #expect(try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken).headers[Self.limit] == nil, "reads are not limited")
            _ = try await g.create()  // creates have their own bucket
        }
    }

    @Test("A key with its own rate is held to it; the request it refuses spends none of its user's tokens")
    func perKey() async throws {
        try await GatewayHarness.run(ratePerMinute: 5) { g in
            let made = try g.object(
                try await g.call(.post, "/v1/keys", json: #"{"name": "app", "rate_per_minute": 2}"#, token: g.aliceToken))
            #expect(made["rate_per_minute"] == .int(2))
            let key = try #require(made["key"]?.string)
            let body = #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"}"#
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await g.call(.post, "/v1/generations", json: body, token: key).status.code) }
            let refused = try await g.call(.post, "/v1/generations", json: body, token: key)
            #expect(statuses == [202, 202, 429] && String(buffer: refused.body).contains("with this API key"), "\(statuses)")
            // The key's two creates took two of its user's five; the refused ones took none: three remain for the user's token.
            statuses = []
            for _ in 0..<4 { statuses.append(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status.code) }
            #expect(statuses == [202, 202, 202, 429], "\(statuses)")
        }
    }
}
