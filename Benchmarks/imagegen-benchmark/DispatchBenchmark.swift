import ArgumentParser
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import JobContract
import JobQueue
import Logging
import PostgresNIO
import ServiceKit
import Synchronization

/// Jobs pushed through a real dispatcher process to a no-op service in this process: pickup latency and throughput.
struct DispatchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dispatch", abstract: "Enqueue→pushed latency and HTTP push throughput.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The dispatcher executable to start.") var dispatcher = ".build/release/dispatcher"
    @Option(help: "Jobs per second for the latency run.") var rate = 50.0
    @Option var seconds = 10.0
    @Option(help: "Jobs for the throughput run.") var jobs = 20_000
    @Option(help: "Dispatcher concurrency for the no-op type.") var concurrency = 128

    func run() async throws {
        let url = try database.url()
        let received = Received()
        let router = Router()
        router.post("v1/jobs/noop") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            received.record(String(buffer: body), job: request.headers[JobHeaders.id].flatMap(UUID.init(uuidString:)), at: monotonicNanos())
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: benchmarkLogger)
        try await app.test(.live) { service in
            let port = service.port!
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dispatcher)
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_URL"] = database.databaseURL
            environment["INTERNAL_TOKEN"] = benchmarkInternalToken
            environment["HTTP_PORT"] = "0"
            environment["LOG_LEVEL"] = "warning"
            environment["DISPATCH_ROUTES"] = "noop=http://127.0.0.1:\(port)"
            environment["DISPATCH_CONCURRENCY"] = "noop=\(concurrency)"
            process.environment = environment
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            try await Task.sleep(for: .seconds(2))
            try await withPostgresClient(url, maxConnections: 4, logger: benchmarkLogger) { client in
                let queue = JobQueue(client: client, logger: benchmarkLogger)
                // Latency: one job at a time at a light, steady rate.
                let total = Int(rate * seconds)
                var next = ContinuousClock.now
                for _ in 0..<total {
                    next += .seconds(1 / rate)
                    let ids = try await queue.enqueue([NewJob(type: "noop", payload: "{\"t0\": \(monotonicNanos())}")])
                    received.committed(ids, at: monotonicNanos())
                    try await Task.sleep(until: next)
                }
                try await Task.sleep(for: .seconds(1))
                print("dispatch: enqueue→pushed \(received.report.summary) at \(rate) jobs/s")
                print("dispatch: committed→pushed (from the moment enqueue returned) \(received.fromCommit.summary)")
                // Throughput: a backlog inserted at once, drained through HTTP pushes and completions.
                received.reset()
                for start in stride(from: 0, to: jobs, by: 5000) {
                    try await queue.enqueue((start..<min(start + 5000, jobs)).map { _ in NewJob(type: "noop", payload: "{\"t0\": 0}") })
                }
                let started = ContinuousClock.now
                while true {
                    let remaining = try await queue.stats()
                        .filter { $0.jobType == "noop" && ($0.status == "pending" || $0.status == "processing") }
                        .reduce(0) { $0 + $1.count }
                    if remaining == 0 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let elapsed = ContinuousClock.now - started
                print(
                    String(
                        format: "dispatch: %.0f jobs/s pushed and completed (%d jobs, concurrency %d, %.2f s)",
                        Double(jobs) / elapsed.seconds, jobs, concurrency, elapsed.seconds))
            }
        }
    }
}

/// Pushes the no-op service received, with their pickup latency from before the enqueue call (`t0` in the payload) and
/// from the moment the enqueue call returned (the job committed; a push that arrived first counts as 0).
final class Received: Sendable {
    private let latency = SharedLatency()
    private let times = Mutex<(committed: [UUID: UInt64], arrived: [UUID: UInt64])>(([:], [:]))

    func record(_ body: String, job: UUID?, at now: UInt64) {
        guard let range = body.range(of: "\"t0\":"),
            let t0 = UInt64(body[range.upperBound...].prefix { $0.isNumber || $0 == " " }.trimmingCharacters(in: .whitespaces)), t0 > 0
        else { return }
        latency.record(nanoseconds: now - t0)
        if let job { times.withLock { $0.arrived[job] = now } }
    }

    func committed(_ jobs: [UUID], at now: UInt64) { times.withLock { for job in jobs { $0.committed[job] = now } } }

    var report: LatencyReport { latency.report }

    var fromCommit: LatencyReport {
        times.withLock { times in
            var report = LatencyReport()
            for (job, arrived) in times.arrived {
                if let committed = times.committed[job] { report.record(nanoseconds: arrived > committed ? arrived - committed : 0) }
            }
            return report
        }
    }

    func reset() {
        latency.reset()
        times.withLock { $0 = ([:], [:]) }
    }
}
