import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@Suite("Gateway events (SSE)")
struct EventStreamTests {
    /// The `id:` and `data:` status of each event in an SSE body.
    func events(_ body: String) -> [(id: Int, status: String, progress: Int)] {
        body.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let id = lines.first(where: { $0.hasPrefix("id: ") }).flatMap({ Int($0.dropFirst(4)) }),
                let data = lines.first(where: { $0.hasPrefix("data: ") }),
                let object = try? JSONSerialization.jsonObject(with: Data(data.dropFirst(6).utf8)) as? [String: Any]
            else { return nil }
            return (id, object["status"] as? String ?? "", object["progress"] as? Int ?? -1)
        }
    }

    @Test("A stream carries every status and progress change in order, then closes; Last-Event-ID replays only what followed")
    func orderingAndReconnect() async throws {
        try await GatewayHarness.run { g in
            let id = try await g.create()
            let generation = UUID(uuidString: id)!
            // Changes made before the stream subscribes reach it from the event log, later ones live: either way, all in order.
            async let stream = g.call(.get, "/v1/generations/\(id)/events", token: g.aliceToken)
            for change in [
                "status = 'processing', progress = 10", "progress = 60", "status = 'downloading', progress = 100", "status = 'completed'",
            ] {
                try await g.database.query(PostgresQuery(unsafeSQL: "UPDATE image_generations SET \(change) WHERE id = '\(generation)'"))
            }
            let response = try await stream
            #expect(response.headers[.contentType] == "text/event-stream")
            let seen = events(String(buffer: response.body))
            #expect(seen.map { "\($0.status):\($0.progress)" } == ["queued:0", "processing:10", "processing:60", "downloading:100", "completed:100"])
            #expect(seen.map(\.id) == seen.map(\.id).sorted())
            let replay = try await g.call(
                .get, "/v1/generations/\(id)/events", token: g.aliceToken, headers: [.lastEventID: String(seen[2].id)]
            )
            #expect(events(String(buffer: replay.body)).map(\.status) == ["downloading", "completed"])
        }
    }
}
