import ArgumentParser
import AsyncHTTPClient
import Database
import Foundation
import Generations
import Hummingbird
import HummingbirdTesting
import JobContract
import JobQueue
import Logging
import NIOCore
import PostgresNIO

/// Peak memory of a downloader process storing one output of a given size (streamed from this process); with `--count`,
/// how many such images a second it stores, `--concurrency` jobs pushed at once.
struct DownloaderMemory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "downloader-memory", abstract: "Downloader peak RSS for one image of N bytes; images/s for many.")
    @OptionGroup var database: DatabaseOptions
    @Option var downloader = ".build/release/downloader"
    @Option(help: "Image size in bytes.") var bytes = 40 << 20
    @Option(help: "Generations (one image each) to store.") var count = 1
    @Option(help: "Jobs pushed at once.") var concurrency = 16

    func run() async throws {
        let png: [UInt8] =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
            + [0, 0, 4, 0, 0, 0, 4, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        let size = bytes
        let router = Router()
        router.get("image.png") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "image/png"],
                body: .init(contentLength: size) { writer in
                    try await writer.write(ByteBuffer(bytes: png))
                    var remaining = size - png.count
                    let chunk = ByteBuffer(repeating: 0x42, count: 64 << 10)
                    while remaining > 0 {
                        let n = min(remaining, chunk.readableBytes)
                        try await writer.write(chunk.getSlice(at: 0, length: n)!)
                        remaining -= n
                    }
                    try await writer.finish(nil)
                }
            )
        }
        let storage = FileManager.default.temporaryDirectory.appendingPathComponent("bench-images-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: storage) }
        try await Application(router: router, logger: benchmarkLogger).test(.live) { origin in
            let port = origin.port!
            // Below Linux's ephemeral range (32768–60999), where this machine's own client sockets could hold it.
            let downloaderPort = Int.random(in: 20000...32000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: downloader)
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_URL"] = database.databaseURL
            environment["INTERNAL_TOKEN"] = benchmarkInternalToken
            environment["HTTP_PORT"] = String(downloaderPort)
            environment["LOG_LEVEL"] = "warning"
            environment["STORAGE_DIR"] = storage
            environment["DOWNLOAD_ALLOWED_HOSTS"] = "http://127.0.0.1:\(port)"
            environment["DOWNLOAD_MAX_BYTES"] = String(1 << 30)
            process.environment = environment
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            // Ready (its storage checked, its port open) before anything is pushed; then a second to settle.
            let ready = ContinuousClock.now + .seconds(30)
            while (try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(downloaderPort)/health/ready"), timeout: .seconds(1)))?.status != .ok
            {
                guard process.isRunning, ContinuousClock.now < ready else { throw ValidationError("the downloader did not become ready") }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(1))
            let idle = memory(of: process.processIdentifier)
            try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
                let user = UUID()
                var generations: [UUID] = []
                for try await id in try await client.query(
                    """
                    INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status, output_urls)
                    SELECT \(user), 'memory', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, 'downloading',
                           jsonb_build_array(\("http://127.0.0.1:\(port)/image.png")::text)
                    FROM generate_series(1, \(count))
                    RETURNING id
                    """
                ).decode(UUID.self) { generations.append(id) }
                let http = makeHTTPClient(connections: concurrency)
                defer { Task { try? await http.shutdown() } }
                let bodies = try generations.map { generation in
                    let payload = GenerationJobPayload(generationId: generation, userId: user)
                    let envelope = JobEnvelope(job: .init(id: UUID(), type: DownloadImage.name, attempt: 1, maxAttempts: 1, payload: payload))
                    return String(decoding: try envelope.encode(), as: UTF8.self)
                }
                let started = ContinuousClock.now
                let failures = try await withThrowingTaskGroup(of: String?.self) { group in
                    var next = bodies.makeIterator()
                    var failures: [String] = []
                    func push(_ body: String) {
                        group.addTask {
                            let (status, text) = try await post(
                                http, "http://127.0.0.1:\(downloaderPort)/v1/jobs/download-image", token: benchmarkInternalToken, body: body)
                            return status == 200 ? nil : "status \(status): \(text)"
                        }
                    }
                    for _ in 0..<concurrency { if let body = next.next() { push(body) } }
                    while let failure = try await group.next() {
                        if let failure { failures.append(failure) }
                        if let body = next.next() { push(body) }
                    }
                    return failures
                }
                let elapsed = ContinuousClock.now - started
                let after = memory(of: process.processIdentifier)
                if count == 1 {
                    print(
                        String(
                            format: "downloader-memory: %d-byte image stored in %.0f ms (status %@); RSS idle %.1f MiB, peak %.1f MiB",
                            size, elapsed.seconds * 1000, failures.isEmpty ? "200" : "failed", idle?.rss ?? -1, after?.peak ?? -1))
                } else {
                    print(
                        String(
                            format: "downloader-throughput: %d images of %d bytes, %d at once, stored in %.2f s = %.1f images/s; RSS peak %.1f MiB",
                            count, size, concurrency, elapsed.seconds, Double(count) / elapsed.seconds, after?.peak ?? -1))
                }
                for failure in failures.prefix(3) { print(failure) }
                if !failures.isEmpty { print("\(failures.count) of \(count) failed") }
            }
        }
    }
}

/// Replicate calls per generation for a fast and a slow model, and one generator holding many predictions at once.
struct GeneratorFigures: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generator", abstract: "Replicate calls per generation; in-flight capacity.")
    @OptionGroup var stack: StackOptions
    @OptionGroup var database: DatabaseOptions
    @Option var simulator = ProcessInfo.processInfo.environment["SIMULATOR_URL"] ?? "http://127.0.0.1:8090"
    @Option(help: "The generator's process id, for /proc memory.") var generatorPID: Int32
    @Option var inFlight = 1000

    func run() async throws {
        let http = makeHTTPClient(connections: 128)
        defer { Task { try? await http.shutdown() } }
        // A fast model, and a slow one (seedream-4, typically 14 s) made to take 30 s.
        for (model, seconds, count) in [("black-forest-labs/flux-schnell", 2.0, 20), ("bytedance/seedream-4", 30.0, 10)] {
            try await scenario(http, model: model, latency: seconds)
            let before = try await counters(http)
            try await submit(http, count: count, prompt: "calls-\(Int(seconds))", model: model)
            try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
                try await waitForTerminal(client, prompt: "calls-\(Int(seconds))")
            }
            let after = try await counters(http)
            let creates = after["predictions.create", default: 0] - before["predictions.create", default: 0]
            let gets = after["predictions.get", default: 0] - before["predictions.get", default: 0]
            print(
                "generator: \(model) "
                    + String(
                        format: "taking %.0f s: %.1f Replicate calls per generation (%.1f create, %.1f get; %d generations)",
                        seconds, Double(creates + gets) / Double(count), Double(creates) / Double(count), Double(gets) / Double(count), count))
        }
        try await scenario(http, model: "black-forest-labs/flux-schnell", latency: 60)
        let idle = memory(of: generatorPID)
        let before = try await counters(http)["predictions.create", default: 0]
        try await submit(http, count: inFlight, prompt: "in-flight", model: "black-forest-labs/flux-schnell")
        let deadline = ContinuousClock.now + .seconds(50)
        while try await counters(http)["predictions.create", default: 0] - before < inFlight && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        let running = try await counters(http)["predictions.create", default: 0] - before
        try await Task.sleep(for: .seconds(3))
        let busy = memory(of: generatorPID)
        print(
            String(
                format: "generator: %d predictions in flight on one generator; RSS %.1f MiB idle, %.1f MiB with all in flight (peak %.1f MiB)",
                running, idle?.rss ?? -1, busy?.rss ?? -1, busy?.peak ?? -1))
    }

    private func scenario(_ http: HTTPClient, model: String, latency: Double) async throws {
        var request = HTTPClientRequest(url: "\(simulator)/_simulator/scenario")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"time_scale": 0, "latency_overrides": {"\#(model)": \#(latency)}}"#))
        _ = try await http.execute(request, timeout: .seconds(10))
    }

    private func counters(_ http: HTTPClient) async throws -> [String: Int] {
        let response = try await http.execute(HTTPClientRequest(url: "\(simulator)/_simulator/stats"), timeout: .seconds(10))
        let data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        struct Stats: Decodable { var counters: [String: Int] }
        return try JSONDecoder().decode(Stats.self, from: data).counters
    }

    private func submit(_ http: HTTPClient, count: Int, prompt: String, model: String) async throws {
        let body = #"{"prompt": "\#(prompt)", "model_id": "\#(model)"}"#
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 64 { try await group.next() }
                group.addTask { _ = try await post(http, "\(stack.gateway)/v1/generations", token: stack.token, body: body) }
            }
            try await group.waitForAll()
        }
    }
}
