import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// A request's deadline: the body's `deadline`, the `Cancel-After` header, the operator's default and ceiling.
@Suite("Deadlines")
struct DeadlineTests {
    static let cancelAfter = HTTPField.Name("Cancel-After")!

    func body(_ extra: String = "") -> String { #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell"\#(extra)}"# }

    func deadline(_ response: TestResponse) throws -> Date? {
        struct Shown: Decodable { var deadlineAt: Date? }
        return try JSONCoding.decoder().decode(Shown.self, from: Data(buffer: response.body)).deadlineAt
    }

    func problemFields(_ response: TestResponse) throws -> [String] {
        try JSONCoding.decoder().decode(ProblemDetails.self, from: Data(buffer: response.body)).errors?.map(\.field) ?? []
    }

    @Test("Cancel-After and deadline set deadline_at (the earlier wins); malformed, past or too-far ones answer 422 naming the field")
    func requestDeadlines() async throws {
        try await GatewayHarness.run(deadlines: Deadlines(fallback: nil, ceiling: .seconds(3600))) { g in
            let relative = try await g.call(.post, "/v1/generations", json: body(), token: g.aliceToken, headers: [Self.cancelAfter: "5m"])
            #expect(relative.status == .accepted)
            let fiveMinutes = try #require(try deadline(relative))
            #expect(abs(fiveMinutes.timeIntervalSinceNow - 300) < 10)

            let at = Timestamp.format(Date().addingTimeInterval(120))
            let both = try await g.call(
                .post, "/v1/generations", json: body(#", "deadline": "\#(at)""#), token: g.aliceToken, headers: [Self.cancelAfter: "10m"])
            #expect(both.status == .accepted)
            #expect(abs(try #require(try deadline(both)).timeIntervalSinceNow - 120) < 10)

            #expect(try deadline(try await g.call(.post, "/v1/generations", json: body(), token: g.aliceToken)) == nil)

            let refusals: [(String, HTTPFields, String)] = [
                (body(#", "deadline": "tomorrow""#), [:], "deadline"),
                (body(#", "deadline": "2020-01-01T00:00:00Z""#), [:], "deadline"),
                (body(), [Self.cancelAfter: "soon"], "Cancel-After"),
                (body(), [Self.cancelAfter: "2h"], "Cancel-After"),
            ]
            for (json, headers, field) in refusals {
                let refused = try await g.call(.post, "/v1/generations", json: json, token: g.aliceToken, headers: headers)
                #expect(refused.status == .unprocessableContent, "\(json) \(headers)")
                #expect(try problemFields(refused) == [field])
            }
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 3)
        }
    }

    @Test("A retry with the Idempotency-Key of a request whose deadline has since passed returns the generation it made (200)")
    func replayAfterDeadline() async throws {
        try await GatewayHarness.run { g in
            let soon = Timestamp.format(Date().addingTimeInterval(2))
            let json = body(#", "deadline": "\#(soon)""#)
            let first = try await g.call(.post, "/v1/generations", json: json, token: g.aliceToken, headers: [.idempotencyKey: "retry-late"])
            #expect(first.status == .accepted)
            try await Task.sleep(for: .seconds(3))
            let again = try await g.call(.post, "/v1/generations", json: json, token: g.aliceToken, headers: [.idempotencyKey: "retry-late"])
            #expect(again.status == .ok, "\(String(buffer: again.body))")
            let (firstID, againID) = (try g.object(first)["id"], try g.object(again)["id"])
            #expect(firstID != nil && againID == firstID)
            // A malformed header is refused even on a retry: only the passing of time is forgiven.
            let malformed = try await g.call(
                .post, "/v1/generations", json: json, token: g.aliceToken, headers: [.idempotencyKey: "retry-late", Self.cancelAfter: "{}"])
            #expect(malformed.status == .unprocessableContent)
            #expect(try problemFields(malformed) == ["Cancel-After"])
            // Without the key the same body is a new request, and its deadline is past.
            let fresh = try await g.call(.post, "/v1/generations", json: json, token: g.aliceToken)
            #expect(fresh.status == .unprocessableContent)
            #expect(try problemFields(fresh) == ["deadline"])
        }
    }

    @Test("GATEWAY_DEFAULT_DEADLINE_SECONDS applies to a request that names none, but not to the legacy endpoint")
    func defaultDeadline() async throws {
        try await GatewayHarness.run(deadlines: Deadlines(fallback: .seconds(600), ceiling: nil)) { g in
            let response = try await g.call(.post, "/v1/generations", json: body(), token: g.aliceToken)
            #expect(abs(try #require(try deadline(response)).timeIntervalSinceNow - 600) < 10)
            let legacy = try await g.call(.post, "/functions/v1/start-generation", json: body(), token: g.aliceToken)
            #expect(legacy.status == .ok)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations WHERE deadline_at IS NULL", as: Int.self) == 1)
        }
    }
}
