import ArgumentParser
import AsyncHTTPClient
import Database
import Foundation
import NIOCore
import PostgresNIO
import WireFormat

/// Many generations of a slow model submitted at once through the whole stack at default settings: how long until all
/// are done against the model's own time, Replicate calls per generation, and the generator's memory.
struct CapacityBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "capacity", abstract: "Generations of a slow model at once.")
    @OptionGroup var stack: StackOptions
    @OptionGroup var database: DatabaseOptions
    @Option var simulator = ProcessInfo.processInfo.environment["SIMULATOR_URL"] ?? "http://127.0.0.1:8090"
    @Option(help: "The generator's process id, for /proc memory.") var generatorPID: Int32
    @Option var count = 1000
    @Option(help: "A model whose catalog time exceeds the create call's wait, so it parks at once.") var model = "bytedance/seedream-4"
    @Option(help: "How long the simulator makes each prediction take.") var modelSeconds = 30.0
    @Option var users = 200
    @Option var concurrency = 64
    @Option(help: "Submit this many a second instead of all at once (0): a steady stream of completions.") var rate = 0.0
    @Option(
        help: "First run this many generations of the model and wait until every generator has learned its time (0: the catalog's figure stands).")
    var warmup = 0

    /// Runs `warmup` generations of the model, waits until their times are in `model_timings`, then until every
    /// generator has read them (it reads every 30 s).
    private func learn(_ http: HTTPClient) async throws {
        let token = try await userTokens(1)[0]
        for _ in 0..<warmup {
            let (status, text) = try await post(
                http, "\(stack.gateway)/v1/generations", token: token, body: #"{"prompt": "warmup", "model_id": "\#(model)"}"#)
            guard status == 202 else { throw ValidationError("POST answered \(status): \(text)") }
        }
        try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
            try await waitForTerminal(client, prompt: "warmup")
            while try await scalar(client, "SELECT coalesce(max(run_samples), 0)::int8 FROM model_timings WHERE model_id = '\(model)'") < 5 {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        try await Task.sleep(for: .seconds(31))
        print("warm-up: \(warmup) generations of \(model), its time learned by every generator")
    }

    func run() async throws {
        let http = makeHTTPClient(connections: concurrency)
        defer { Task { try? await http.shutdown() } }
        var scenario = HTTPClientRequest(url: "\(simulator)/_simulator/scenario")
        scenario.method = .POST
        scenario.body = .bytes(ByteBuffer(string: #"{"time_scale": 1, "latency_overrides": {"\#(model)": \#(modelSeconds)}}"#))
        _ = try await http.execute(scenario, timeout: .seconds(10))
        if warmup > 0 { try await learn(http) }
        let before = try await counters(http)
        let idle = memory(of: generatorPID)
        let tokens = try await userTokens(users)
        let body = #"{"prompt": "capacity", "model_id": "\#(model)"}"#
        let begin = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if rate > 0 { try await Task.sleep(until: begin + .milliseconds(Int64(Double(index) / rate * 1000)), clock: .continuous) }
                if index >= concurrency { try await group.next() }
                let token = tokens[index % tokens.count]
                group.addTask {
                    let (status, text) = try await post(http, "\(stack.gateway)/v1/generations", token: token, body: body)
                    guard status == 202 else { throw ValidationError("POST answered \(status): \(text)") }
                }
            }
            try await group.waitForAll()
        }
        try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
            try await waitForTerminal(client, prompt: "capacity")
            let span = try await PipelineBenchmark.seconds(
                client, "SELECT EXTRACT(EPOCH FROM max(completed_at) - min(created_at))::float8 FROM image_generations WHERE prompt = 'capacity'"
            )
            let failed = try await scalar(client, "SELECT count(*)::int8 FROM image_generations WHERE prompt = 'capacity' AND status <> 'completed'")
            let after = try await counters(http)
            // Completion at Replicate → hand-over to the downloader (its job enqueued, the `generated` event) and → the
            // download started (its job claimed to be pushed to the downloader): the simulator's completed_at against
            // the database's times, both on this machine's clock.
            let completed = try await completionTimes(http)
            var handOver = LatencyReport()
            var downloadStarted = LatencyReport()
            var stored = LatencyReport()
            var downloading = LatencyReport()
            var completions: [Double] = []
            let rows = try await client.query(
                """
                SELECT g.replicate_prediction_id, EXTRACT(EPOCH FROM e.created_at)::float8, EXTRACT(EPOCH FROM j.started_at)::float8,
                    EXTRACT(EPOCH FROM g.completed_at)::float8
                FROM image_generations g
                JOIN generation_events e ON e.generation_id = g.id AND e.event = 'generated'
                JOIN job_queue j ON j.dedupe_key = 'download:' || g.id
                WHERE g.prompt = 'capacity'
                """
            )
            for try await (prediction, handed, started, finished) in rows.decode((String, Double, Double?, Double?).self) {
                guard let done = completed[prediction] else { continue }
                completions.append(done)
                handOver.record(.milliseconds(Int64(max(0, handed - done) * 1000)))
                if let started { downloadStarted.record(.milliseconds(Int64(max(0, started - done) * 1000))) }
                if let finished { stored.record(.milliseconds(Int64(max(0, finished - done) * 1000))) }
                if let started, let finished { downloading.record(.milliseconds(Int64(max(0, finished - started) * 1000))) }
            }
            let calls = ["predictions.create", "predictions.get"].map { after[$0, default: 0] - before[$0, default: 0] }
            let busy = memory(of: generatorPID)
            print("capacity: completion at Replicate → handed to the downloader \(handOver.summary)")
            print("capacity: completion at Replicate → download started \(downloadStarted.summary)")
            print("capacity: download started → stored \(downloading.summary)")
            print("capacity: completion at Replicate → stored \(stored.summary)")
            print(
                String(
                    format: "capacity: Replicate completed them within %.2f s (from the first completion to the last)",
                    (completions.max() ?? 0) - (completions.min() ?? 0)))
            print(
                String(
                    format:
                        "capacity: %d generations of a %.0f s model done in %.1f s (%d not completed); %.2f Replicate calls per generation (%.2f create, %.2f get); generator RSS %.1f MiB idle, peak %.1f MiB",
                    count, modelSeconds, span, failed, Double(calls[0] + calls[1]) / Double(count), Double(calls[0]) / Double(count),
                    Double(calls[1]) / Double(count), idle?.rss ?? -1, busy?.peak ?? -1
                ))
            // Each delivery of a generate-image job (a push to the generator, parked or refused by the create budget
            // included) takes an attempt number; a snooze gives the attempt back.
            let deliveries = try await client.query(
                """
                SELECT coalesce(sum(j.attempt_number), 0)::int8 FROM job_queue j JOIN image_generations g ON j.dedupe_key = 'generate:' || g.id
                WHERE g.prompt = 'capacity'
                """
            )
            for try await total in deliveries.decode(Int.self) {
                print(String(format: "capacity: %.2f generate-image deliveries per generation", Double(total) / Double(count)))
            }
        }
    }

    /// Every prediction's completion time (Unix seconds), from the simulator's listing.
    private func completionTimes(_ http: HTTPClient) async throws -> [String: Double] {
        struct Page: Decodable {
            struct Item: Decodable {
                var id: String
                var completedAt: String?
                enum CodingKeys: String, CodingKey {
                    case id
                    case completedAt = "completed_at"
                }
            }
            var results: [Item]
            var next: String?
        }
        var times: [String: Double] = [:]
        var url: String? = "\(simulator)/v1/predictions"
        while let next = url {
            var request = HTTPClientRequest(url: next)
            request.headers.add(name: "Authorization", value: "Bearer r8_benchmark")
            let response = try await http.execute(request, timeout: .seconds(30))
            let page = try JSONDecoder().decode(Page.self, from: Data(buffer: try await response.body.collect(upTo: 16 << 20)))
            for item in page.results {
                if let raw = item.completedAt, let date = Timestamp.parse(raw) { times[item.id] = date.timeIntervalSince1970 }
            }
            url = page.next
        }
        return times
    }

    private func counters(_ http: HTTPClient) async throws -> [String: Int] {
        let response = try await http.execute(HTTPClientRequest(url: "\(simulator)/_simulator/stats"), timeout: .seconds(10))
        struct Stats: Decodable { var counters: [String: Int] }
        return try JSONDecoder().decode(Stats.self, from: Data(buffer: try await response.body.collect(upTo: 1 << 20))).counters
    }
}
