import ArgumentParser
import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO

/// Shared options: the database to run against (migrated by the caller).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "postgres:// URL of a migrated database (default: $DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""

    func url() throws -> DatabaseURL {
        guard !databaseURL.isEmpty else { throw ValidationError("--database-url or DATABASE_URL is required") }
        return try DatabaseURL(databaseURL)
    }
}

/// The `INTERNAL_TOKEN` of the services the benchmarks start.
let benchmarkInternalToken = "benchmark-internal-token-6e2a91c7d05f48b3a1e9c2d7f40b8a65"

var benchmarkLogger: Logger {
    var logger = Logger(label: "benchmark")
    logger.logLevel = .warning
    return logger
}

/// N no-op jobs enqueued in batches, then claimed and completed by K consumers: library throughput.
struct QueueThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue-throughput", abstract: "Claim+complete throughput of the queue library.")
    @OptionGroup var database: DatabaseOptions
    @Option var jobs = 50_000
    @Option var consumers = 4
    @Option(help: "Jobs per claim.") var batch = 100
    @Flag(help: "Run the consumers' sessions as the dispatcher runs them (commits that do not wait for the WAL flush, generic plans).")
    var dispatcherSessions = false
    @Flag(
        help:
            "ANALYZE the table once the jobs are in, before the consumers start (statistics that saw a backlog and nothing in flight, as autovacuum leaves them after a burst)."
    )
    var analyze = false

    func run() async throws {
        let url = try database.url()
        let configuration = url.clientConfiguration(
            maxConnections: consumers + 2, durableCommits: !dispatcherSessions, genericPlans: dispatcherSessions)
        try await withPostgresClient(configuration: configuration, logger: benchmarkLogger) { client in
            let queue = JobQueue(client: client, logger: benchmarkLogger)
            let enqueueStart = ContinuousClock.now
            for start in stride(from: 0, to: jobs, by: 1000) {
                try await queue.enqueue((start..<min(start + 1000, jobs)).map { _ in NewJob(type: "bench", payload: "{}") })
            }
            let enqueueTime = ContinuousClock.now - enqueueStart
            if analyze { try await client.query("ANALYZE job_queue") }
            let start = ContinuousClock.now
            let cpuStart = processCPUSeconds()
            let done = try await withThrowingTaskGroup(of: Int.self) { group in
                for consumer in 0..<consumers {
                    group.addTask {
                        var count = 0
                        while true {
                            let claimed = try await queue.claim(limits: ["bench": batch], worker: "bench-\(consumer)", lease: .seconds(60))
                            if claimed.isEmpty { return count }
                            try await queue.complete(claimed.map { ($0.lease, nil) })
                            count += claimed.count
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = ContinuousClock.now - start
            let cpu = processCPUSeconds() - cpuStart
            print(String(format: "queue-throughput: enqueue %.0f jobs/s (batches of 1000)", Double(jobs) / enqueueTime.seconds))
            print(
                String(
                    format: "queue-throughput: claim+complete %.0f jobs/s (%d jobs, %d consumers, batch %d, %.2f s; this process's CPU %.2f s)",
                    Double(done) / elapsed.seconds, done, consumers, batch, elapsed.seconds, cpu))
        }
    }
}

/// Light steady load: one job at a time at a fixed rate; a LISTEN-woken consumer claims it. Enqueue→claim latency.
struct QueueLatency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue-latency", abstract: "Enqueue→claim latency with LISTEN/NOTIFY.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Jobs per second.") var rate = 50.0
    @Option var seconds = 10.0

    func run() async throws {
        let url = try database.url()
        let total = Int(rate * seconds)
        try await withPostgresClient(url, maxConnections: 4, logger: benchmarkLogger) { client in
            let queue = JobQueue(client: client, logger: benchmarkLogger)
            let listener = NotificationListener(url: url, channel: "imagegen_jobs", logger: benchmarkLogger)
            let enqueueTimes = SharedLatency()
            let report = try await withThrowingTaskGroup(of: LatencyReport?.self) { group in
                group.addTask {
                    try await listener.run()
                    return nil
                }
                var wakes = listener.subscribe().makeAsyncIterator()
                _ = await wakes.next()  // connected
                group.addTask {
                    let interval = Duration.seconds(1 / rate)
                    var next = ContinuousClock.now
                    for _ in 0..<total {
                        next += interval
                        let t0 = monotonicNanos()
                        try await queue.enqueue([NewJob(type: "bench-latency", payload: "{\"t0\": \(t0)}")])
                        enqueueTimes.record(nanoseconds: monotonicNanos() - t0)
                        try await Task.sleep(until: next)
                    }
                    return nil
                }
                var report = LatencyReport()
                while report.count < total {
                    let claimed = try await queue.claim(limits: ["bench-latency": 100], worker: "latency", lease: .seconds(60))
                    let now = monotonicNanos()
                    for job in claimed {
                        if let t0 = Self.t0(job.payload) { report.record(nanoseconds: now - t0) }
                    }
                    try await queue.complete(claimed.map { ($0.lease, nil) })
                    if claimed.isEmpty { _ = await wakes.next() }
                }
                group.cancelAll()
                return report
            }
            print("queue-latency: enqueue→claim \(report.summary) at \(rate) jobs/s")
            print("queue-latency: of which the enqueue call itself (insert, trigger, commit) \(enqueueTimes.report.summary)")
        }
    }

    static func t0(_ payload: String) -> UInt64? {
        (try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])?["t0"].flatMap { ($0 as? NSNumber)?.uint64Value }
    }
}

/// CPU seconds (user and system) this process has used so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
}
