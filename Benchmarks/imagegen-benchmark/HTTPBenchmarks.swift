import ArgumentParser
import AsyncHTTPClient
import Database
import Foundation
import GatewayService
import JobQueue
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Where the running stack is (started by Benchmarks/run.sh).
struct StackOptions: ParsableArguments {
    @Option var gateway = ProcessInfo.processInfo.environment["GATEWAY_URL"] ?? "http://127.0.0.1:8080"
    @Option var token = ProcessInfo.processInfo.environment["BENCH_TOKEN"] ?? ""
}

func makeHTTPClient(connections: Int) -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

/// Tokens for `count` distinct users, signed with the stack's `AUTH_JWT_SECRET` (the load of many users, each under the
/// gateway's default per-user cap).
func userTokens(_ count: Int) async throws -> [String] {
    guard let secret = ProcessInfo.processInfo.environment["AUTH_JWT_SECRET"] else { throw ValidationError("AUTH_JWT_SECRET is not set") }
    let authenticator = await UserAuthenticator(secret: secret)
    var tokens: [String] = []
    for index in 0..<count {
        tokens.append(try await authenticator.token(for: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", index))!))
    }
    return tokens
}

/// Waits until every generation with `prompt` is terminal (the figures come from their timestamps, not from this poll).
func waitForTerminal(_ client: PostgresClient, prompt: String) async throws {
    while try await scalar(
        client, "SELECT count(*)::int8 FROM image_generations WHERE prompt = '\(prompt)' AND status NOT IN ('completed','failed','cancelled')"
    ) > 0 {
        try await Task.sleep(for: .milliseconds(200))
    }
}

func post(_ http: HTTPClient, _ url: String, token: String, body: String) async throws -> (Int, String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await http.execute(request, timeout: .seconds(30))
    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
}

/// POST /v1/generations at a fixed (open-loop) rate with a bounded number of concurrent clients.
struct GatewayLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway-load", abstract: "POST /v1/generations latency at a fixed rate.")
    @OptionGroup var stack: StackOptions
    @Option var rate = 200.0
    @Option var seconds = 20.0
    @Option(help: "Seconds at the same rate before the measured run, reported apart.") var warmup = 2.0
    @Option var concurrency = 100
    @Option(help: "Distinct users the requests are spread over (tokens signed with AUTH_JWT_SECRET).") var users = 100
    @Flag(help: "Send each user's requests with an API key made for it (POST /v1/keys) instead of its JWT.") var apiKeys = false
    @Option(help: "With --api-keys, each key's own rate a minute (held beside its user's).") var keyRate: Int?

    func run() async throws {
        var tokens = try await userTokens(users)
        let http = makeHTTPClient(connections: concurrency)
        defer { Task { try? await http.shutdown() } }
        if apiKeys {
            let body = keyRate.map { #"{"name": "benchmark", "rate_per_minute": \#($0)}"# } ?? #"{"name": "benchmark"}"#
            var keys: [String] = []
            for token in tokens {
                let (status, answer) = try await post(http, "\(stack.gateway)/v1/keys", token: token, body: body)
                struct Made: Decodable { var key: String }
                guard status == 201, let key = (try? JSONDecoder().decode(Made.self, from: Data(answer.utf8)))?.key else {
                    throw ValidationError("POST /v1/keys answered \(status): \(answer)")
                }
                keys.append(key)
            }
            tokens = keys
        }
        let body = #"{"prompt": "benchmark", "model_id": "black-forest-labs/flux-schnell"}"#
        // The first seconds after start are reported apart: the pool opens its connections then, and every new
        // PostgreSQL backend loads its caches and compiles the trigger functions on its first statements.
        let coldStart = try await load(http, tokens: tokens, body: body, seconds: warmup)
        print("gateway-load: first \(warmup) s after start (cold): " + coldStart)
        print("gateway-load: then " + (try await load(http, tokens: tokens, body: body, seconds: seconds)))
    }

    /// Requests at `rate` for `seconds`; a line of figures.
    private func load(_ http: HTTPClient, tokens: [String], body: String, seconds: Double) async throws -> String {
        let run = await openLoop(rate: rate, seconds: seconds, concurrency: concurrency) { index in
            let (status, _) = try await post(http, "\(stack.gateway)/v1/generations", token: tokens[index % tokens.count], body: body)
            return status == 202
        }
        return String(
            format: "%.0f req/s offered, %.0f req/s done, %d failed (%d users); latency ", rate, run.done, run.failed, tokens.count)
            + run.latency.summary
    }
}

/// Requests at a fixed, open-loop `rate` for `seconds`, at most `concurrency` at once: each `request(index)` says whether
/// it succeeded (a throw is a failure). Latency counts from each request's scheduled start, so a slow server cannot hide
/// queueing (coordinated omission).
func openLoop(
    rate: Double, seconds: Double, concurrency: Int, _ request: @escaping @Sendable (Int) async throws -> Bool
) async -> (done: Double, failed: Int, latency: LatencyReport) {
    let total = Int(rate * seconds)
    let report = SharedLatency()
    let failures = Tally()
    let started = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        var inFlight = 0
        for index in 0..<total {
            let scheduled = started + .seconds(Double(index) / rate)
            try? await Task.sleep(until: scheduled)
            if inFlight >= concurrency {
                await group.next()
                inFlight -= 1
            }
            inFlight += 1
            group.addTask {
                if (try? await request(index)) != true { failures.add() }
                report.record(ContinuousClock.now - scheduled)
            }
        }
    }
    return (Double(total) / (ContinuousClock.now - started).seconds, failures.count, report.report)
}

/// The whole pipeline with the simulator at zero model latency, on small images so the stand-in's PNG encoder is not what
/// is measured: a burst for sustained generations/s, then a steady rate for POST→completed overhead.
struct PipelineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline", abstract: "End-to-end generations/s and overhead.")
    @OptionGroup var stack: StackOptions
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Generations in the throughput burst.") var count = 2000
    @Option var concurrency = 64
    @Option(help: "Generations per second for the overhead run.") var rate = 20.0
    @Option var seconds = 15.0
    @Option(help: "Distinct users the requests are spread over (tokens signed with AUTH_JWT_SECRET).") var users = 100

    static func body(_ prompt: String) -> String {
        #"{"prompt": "\#(prompt)", "model_id": "bytedance/sdxl-lightning-4step", "width": 256, "height": 256}"#
    }

    func run() async throws {
        let tokens = try await userTokens(users)
        let http = makeHTTPClient(connections: concurrency)
        defer { Task { try? await http.shutdown() } }
        try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= concurrency { try await group.next() }
                    let token = tokens[index % tokens.count]
                    group.addTask {
                        let (status, text) = try await post(http, "\(stack.gateway)/v1/generations", token: token, body: Self.body("burst"))
                        guard status == 202 else { throw ValidationError("POST answered \(status): \(text)") }
                    }
                }
                try await group.waitForAll()
            }
            try await waitForTerminal(client, prompt: "burst")
            let span = try await Self.seconds(
                client, "SELECT EXTRACT(EPOCH FROM max(completed_at) - min(created_at))::float8 FROM image_generations WHERE prompt = 'burst'")
            let failed = try await scalar(client, "SELECT count(*)::int8 FROM image_generations WHERE prompt = 'burst' AND status <> 'completed'")
            print(
                String(
                    format: "pipeline: burst of %d generations completed in %.2f s = %.1f generations/s (%d not completed)",
                    count, span, Double(count) / span, failed))
            let started = ContinuousClock.now
            let total = Int(rate * seconds)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<total {
                    try await Task.sleep(until: started + .seconds(Double(index) / rate))
                    let token = tokens[index % tokens.count]
                    group.addTask { _ = try await post(http, "\(stack.gateway)/v1/generations", token: token, body: Self.body("steady")) }
                }
                try await group.waitForAll()
            }
            try await waitForTerminal(client, prompt: "steady")
            var report = LatencyReport()
            let rows = try await client.query(
                "SELECT EXTRACT(EPOCH FROM completed_at - created_at)::float8 FROM image_generations WHERE prompt = 'steady' AND status = 'completed'"
            )
            for try await overhead in rows.decode(Double.self) { report.record(.microseconds(Int64(overhead * 1_000_000))) }
            print("pipeline: POST→completed at \(rate) generations/s: \(report.summary)")
        }
    }

    static func seconds(_ client: PostgresClient, _ sql: String) async throws -> Double {
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Double.self) { return value }
        return 0
    }
}

/// Many SSE streams on one gateway: memory before and after, and every stream gets the event.
struct SSEFanout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sse-fanout", abstract: "Open N SSE streams on one gateway; report its RSS.")
    @OptionGroup var stack: StackOptions
    @OptionGroup var database: DatabaseOptions
    @Option var streams = 1000
    @Option(help: "The gateway's process id, for /proc memory.") var gatewayPID: Int32
    @Option(help: "The user id the token belongs to.") var user: String

    func run() async throws {
        let http = makeHTTPClient(connections: streams + 10)
        defer { Task { try? await http.shutdown() } }
        try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
            var generation: UUID?
            for try await id in try await client.query(
                """
                INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status)
                VALUES (\(UUID(uuidString: user)!), 'fanout', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, 'downloading')
                RETURNING id
                """
            ).decode(UUID.self) { generation = id }
            let id = generation!.uuidString.lowercased()
            let before = memory(of: gatewayPID)
            let opened = Tally()
            let sawProgress = Tally()
            let sawCompleted = Tally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<streams {
                    group.addTask {
                        var request = HTTPClientRequest(url: "\(stack.gateway)/v1/generations/\(id)/events")
                        request.headers.add(name: "Authorization", value: "Bearer \(stack.token)")
                        let response = try await http.execute(request, timeout: .seconds(120))
                        opened.add()
                        var text = ""
                        var counted = false
                        for try await chunk in response.body {
                            text += String(buffer: chunk)
                            if !counted && text.contains("\"progress\":50") {
                                sawProgress.add()
                                counted = true
                            }
                        }
                        if text.contains("\"status\":\"completed\"") { sawCompleted.add() }
                    }
                }
                while opened.count < streams { try await Task.sleep(for: .milliseconds(50)) }
                try await Task.sleep(for: .seconds(1))
                let during = memory(of: gatewayPID)
                try await client.query("UPDATE image_generations SET progress = 50 WHERE id = \(generation!)")
                let sent = ContinuousClock.now
                while sawProgress.count < streams && ContinuousClock.now - sent < .seconds(30) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let fanoutTime = ContinuousClock.now - sent
                try await client.query("UPDATE image_generations SET status = 'completed', progress = 100 WHERE id = \(generation!)")
                try await group.waitForAll()
                print(
                    String(
                        format: "sse-fanout: %d streams open; gateway RSS %.1f MiB before, %.1f MiB with all streams open (%.1f KiB per stream)",
                        streams, before?.rss ?? -1, during?.rss ?? -1, ((during?.rss ?? 0) - (before?.rss ?? 0)) * 1024 / Double(streams)))
                print(
                    String(
                        format: "sse-fanout: one progress change reached %d/%d streams in %.0f ms; %d streams got the terminal event and closed",
                        sawProgress.count, streams, fanoutTime.seconds * 1000, sawCompleted.count))
            }
        }
    }
}

/// One integer from `sql`.
func scalar(_ client: PostgresClient, _ sql: String) async throws -> Int {
    for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { return value }
    return 0
}
