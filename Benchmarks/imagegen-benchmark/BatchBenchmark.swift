import ArgumentParser
import AsyncHTTPClient
import Database
import Foundation
import NIOCore
import PostgresNIO

/// `POST /v1/batches` of many items to a gateway alone: time until the 202 (every item validated and written) and the
/// gateway's memory meanwhile, as JSON and as JSON Lines.
struct BatchAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch-accept", abstract: "Accept time and memory of one large batch.")
    @OptionGroup var stack: StackOptions
    @Option(help: "The gateway's process id, for /proc memory.") var gatewayPID: Int32
    @Option var items = 10_000
    @Option var rounds = 3

    func run() async throws {
        let http = makeHTTPClient(connections: 2)
        defer { Task { try? await http.shutdown() } }
        let lines = (0..<items).map {
            #"{"prompt": "batch item \#($0) of a catalogue", "model_id": "black-forest-labs/flux-schnell", "seed": \#($0)}"#
        }
        let shapes = [
            ("json", "application/json", #"{"items": ["# + lines.joined(separator: ",") + "]}"),
            ("jsonl", "application/x-ndjson", lines.joined(separator: "\n") + "\n"),
        ]
        let idle = memory(of: gatewayPID)
        print(String(format: "batch-accept: gateway RSS before %.1f MiB", idle?.rss ?? 0))
        for round in 1...rounds {
            for (name, type, body) in shapes {
                var request = HTTPClientRequest(url: "\(stack.gateway)/v1/batches")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(stack.token)")
                request.headers.add(name: "Content-Type", value: type)
                request.body = .bytes(ByteBuffer(string: body))
                let start = ContinuousClock.now
                let response = try await http.execute(request, timeout: .seconds(120))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                let took = ContinuousClock.now - start
                guard response.status == .accepted else { throw ValidationError("POST answered \(response.status.code): \(text.prefix(300))") }
                let after = memory(of: gatewayPID)
                print(
                    String(
                        format:
                            "batch-accept: round %d, %@ (%.1f MiB body): %d items accepted in %.0f ms; gateway RSS %.1f MiB, peak so far %.1f MiB",
                        round, name, Double(body.utf8.count) / 1_048_576, items, took / .milliseconds(1), after?.rss ?? 0, after?.peak ?? 0))
            }
        }
    }
}

/// One user's batch running through the whole stack while another user sends a single request: how long that request
/// waits to start (created → its prediction's create call), and how fast the batch drains meanwhile.
struct BatchInterleave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-interleave", abstract: "Another user's single request while a batch runs.")
    @OptionGroup var stack: StackOptions
    @OptionGroup var database: DatabaseOptions
    @Option var items = 2000
    @Option(help: "Single requests of the other user, one a second, while the batch runs.") var singles = 10

    func run() async throws {
        let http = makeHTTPClient(connections: 4)
        defer { Task { try? await http.shutdown() } }
        let tokens = try await userTokens(2)
        let lines = (0..<items).map { #"{"prompt": "interleave batch \#($0)", "model_id": "black-forest-labs/flux-schnell"}"# }
        var request = HTTPClientRequest(url: "\(stack.gateway)/v1/batches")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(tokens[0])")
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.body = .bytes(ByteBuffer(string: lines.joined(separator: "\n")))
        let response = try await http.execute(request, timeout: .seconds(120))
        guard response.status == .accepted else { throw ValidationError("batch POST answered \(response.status.code)") }
        _ = try await response.body.collect(upTo: 1 << 20)
        for _ in 0..<singles {
            try await Task.sleep(for: .seconds(1))
            let (status, text) = try await post(
                http, "\(stack.gateway)/v1/generations", token: tokens[1],
                body: #"{"prompt": "interleave single", "model_id": "black-forest-labs/flux-schnell"}"#)
            guard status == 202 else { throw ValidationError("single POST answered \(status): \(text)") }
        }
        try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
            try await waitForTerminal(client, prompt: "interleave single")
            var waits = LatencyReport()
            let rows = try await client.query(
                """
                SELECT EXTRACT(EPOCH FROM e.created_at - g.created_at)::float8 FROM image_generations g
                JOIN generation_events e ON e.generation_id = g.id AND e.event = 'started'
                WHERE g.prompt = 'interleave single'
                """)
            for try await seconds in rows.decode(Double.self) { waits.record(.milliseconds(Int64(seconds * 1000))) }
            let left = try await scalar(
                client,
                "SELECT count(*)::int8 FROM image_generations WHERE prompt LIKE 'interleave batch%' AND status NOT IN ('completed','failed','cancelled')"
            )
            print(
                "batch-interleave: the other user's single requests, created → started: \(waits.summary); \(left) of \(items) batch items still unfinished when the last single finished"
            )
            while try await scalar(
                client,
                "SELECT count(*)::int8 FROM image_generations WHERE prompt LIKE 'interleave batch%' AND status NOT IN ('completed','failed','cancelled')"
            ) > 0 { try await Task.sleep(for: .milliseconds(200)) }
            let span = try await PipelineBenchmark.seconds(
                client,
                "SELECT EXTRACT(EPOCH FROM max(completed_at) - min(created_at))::float8 FROM image_generations WHERE prompt LIKE 'interleave batch%'")
            print(String(format: "batch-interleave: %d batch items done in %.1f s (%.0f/s)", items, span, Double(items) / span))
        }
    }
}
