import AsyncHTTPClient
import Database
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing

/// The dispatcher as a real process against a real PostgreSQL, pushing to real HTTP services.
@Suite("Dispatcher")
struct DispatcherTests {
    let logger = TestDatabase.logger

    func dispatcher(_ url: DatabaseURL, routes: String, concurrency: String = "", extra: [String: String] = [:]) async throws -> ServiceProcess {
        var environment = [
            "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
            "INTERNAL_TOKEN": TestSecrets.internalToken, "DISPATCH_ROUTES": routes, "DISPATCH_POLL_MS": "200",
        ]
        if !concurrency.isEmpty { environment["DISPATCH_CONCURRENCY"] = concurrency }
        for (key, value) in extra { environment[key] = value }
        return try await ServiceProcess("dispatcher", environment: environment)
    }

    func statuses(_ client: PostgresClient) async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for try await (status, count) in try await client.query("SELECT status, count(*)::int8 FROM job_queue GROUP BY status").decode(
            (String, Int).self)
        {
            result[status] = count
        }
        return result
    }

    @Test("A burst of thousands of jobs is routed by type, within each type's concurrency limit, every job completed once")
    func routingAndConcurrency() async throws {
        try await TestDatabase.withClient { client, url in
            let generators = Downstream(delay: .milliseconds(20))
            let downloaders = Downstream(delay: .milliseconds(5))
            try await generators.run { generatorPort in
                try await downloaders.run { downloaderPort in
                    let queue = JobQueue(client: client, logger: logger)
                    try await queue.enqueue((0..<1000).map { _ in NewJob(type: "generate-image", payload: "{}") })
                    try await queue.enqueue((0..<1000).map { _ in NewJob(type: "download-image", payload: "{}") })
                    let process = try await dispatcher(
                        url, routes: "generate-image=http://127.0.0.1:\(generatorPort),download-image=http://127.0.0.1:\(downloaderPort)",
                        concurrency: "generate-image=8,download-image=24"
                    )
                    try await eventually("every job to complete", timeout: .seconds(60)) {
                        try await statuses(client)["completed"] == 2000
                    }
                    process.stop()
                }
            }
            #expect(generators.arrivals.allSatisfy { $0.type == "generate-image" } && generators.arrivals.count == 1000)
            #expect(downloaders.arrivals.allSatisfy { $0.type == "download-image" } && downloaders.arrivals.count == 1000)
            #expect(generators.maxInFlight("generate-image") <= 8)
            #expect(downloaders.maxInFlight("download-image") <= 24)
            #expect(Set(generators.arrivals.map(\.jobID)).count == 1000)
        }
    }

    @Test("503 twice then 200: completed on the third attempt after growing delays")
    func retryThenSucceed() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream { _, n in n <= 2 ? .serviceUnavailable : .ok }
            try await service.run { port in
                let id = try await JobQueue(client: client, logger: logger).enqueue([NewJob(type: "generate-image", payload: "{}")])[0]
                let process = try await dispatcher(url, routes: "generate-image=http://127.0.0.1:\(port)")
                try await eventually("the job to complete", timeout: .seconds(20)) {
                    try await jobState(client, id).status == "completed"
                }
                process.stop()
                #expect(try await jobState(client, id) == ("completed", 3))
                // The delays the dispatcher chose, as recorded in the job's error history, grow with each attempt.
                let delays = try await client.query(
                    "SELECT (e->>'retry_in_ms')::float8 FROM job_queue, jsonb_array_elements(errors) AS e WHERE id = \(id) ORDER BY (e->>'attempt')::int"
                )
                var planned: [Double] = []
                for try await delay in delays.decode(Double.self) { planned.append(delay) }
                #expect(planned.count == 2)
                #expect(planned == planned.sorted() && Set(planned).count == 2)
            }
            #expect(service.arrivals.map(\.attempt) == [1, 2, 3])
            // W3C trace context: every attempt in the job's trace (its id), each attempt its own non-zero span.
            let traces = service.arrivals.compactMap(\.traceparent)
            let trace = service.arrivals[0].jobID.lowercased().filter { $0 != "-" }
            #expect(traces.count == 3)
            #expect(traces.allSatisfy { $0.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-01/) != nil && $0.contains("-\(trace)-") })
            #expect(Set(traces).count == 3 && !traces.contains { $0.contains("-0000000000000000-") })
        }
    }

    @Test("Backoff counts failures, not deliveries: a job snoozed three times that then fails waits the first step")
    func backoffCountsFailures() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream { _, n in n <= 3 ? .accepted : n == 4 ? .serviceUnavailable : .ok }
            try await service.run { port in
                let id = try await JobQueue(client: client, logger: logger).enqueue([NewJob(type: "generate-image", payload: "{}")])[0]
                let process = try await dispatcher(url, routes: "generate-image=http://127.0.0.1:\(port)")
                try await eventually("the job to complete", timeout: .seconds(30)) {
                    try await jobState(client, id).status == "completed"
                }
                process.stop()
                // Delivery 4 was the first failure: its retry was planned at the first step (≤ 1 s), not the fourth (4–8 s).
                let (attempt, delay) = try await firstRow(
                    client,
                    "SELECT (e->>'attempt')::int8, (e->>'retry_in_ms')::float8 FROM job_queue, jsonb_array_elements(errors) AS e WHERE id = \(id)",
                    as: (Int, Double).self
                )
                #expect(attempt == 4)
                #expect(delay <= 1000, "planned \(delay) ms")
            }
            #expect(service.arrivals.map(\.attempt) == [1, 2, 3, 4, 5])
        }
    }

    @Test("A snoozed job is delivered again when it comes due, not at the next poll tick (a minute here)")
    func snoozeWakesOnTime() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream { _, n in n == 1 ? .accepted : .ok }
            try await service.run { port in
                let id = try await JobQueue(client: client, logger: logger).enqueue([NewJob(type: "generate-image", payload: "{}")])[0]
                let process = try await dispatcher(url, routes: "generate-image=http://127.0.0.1:\(port)", extra: ["DISPATCH_POLL_MS": "60000"])
                // Snoozed for 1 s (a 202 without Retry-After); without a wake of its own the job would wait for the tick.
                try await eventually("the snoozed job to be delivered again and complete", timeout: .seconds(20)) {
                    try await jobState(client, id).status == "completed"
                }
                process.stop()
            }
            #expect(service.arrivals.map(\.attempt) == [1, 2])
        }
    }

    @Test("A downstream that is down for good: dead letter after max attempts, and the generation fails with the reason")
    func deadLetter() async throws {
        try await TestDatabase.withClient { client, url in
            let generation = try await insertGeneration(client)
            let id = try await JobQueue(client: client, logger: logger).enqueue([
                GenerateImage.job(for: generation, userID: UUID(), maxAttempts: 3)
            ])[0]
            let closed = try freePort()
            let process = try await dispatcher(url, routes: "generate-image=http://127.0.0.1:\(closed)")
            try await eventually("the job to be dead-lettered", timeout: .seconds(30)) {
                try await jobState(client, id).status == "failed"
            }
            process.stop()
            let history = try await scalar(client, "SELECT jsonb_array_length(errors)::int8 FROM job_queue WHERE id = \(id)", as: Int.self)
            #expect(history == 3)
            let (status, code, message) = try await firstRow(
                client, "SELECT status, error_code, error_message FROM image_generations WHERE id = \(generation)",
                as: (String, String?, String?).self
            )
            // The user sees a plain reason; which service failed and how stays in the job's history.
            #expect(status == "failed" && code == GenerationFailure.unavailable.code && message == GenerationFailure.unavailable.message)
            let errors = try await scalar(client, "SELECT errors::text FROM job_queue WHERE id = \(id)", as: String.self)
            #expect(errors.contains("push to http://127.0.0.1:\(closed)"))
        }
    }

    @Test("Killing a dispatcher mid-flight loses nothing: another completes every job, each exactly once")
    func crashRecovery() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream(delay: .milliseconds(300))
            try await service.run { port in
                try await JobQueue(client: client, logger: logger).enqueue((0..<60).map { _ in NewJob(type: "generate-image", payload: "{}") })
                let routes = "generate-image=http://127.0.0.1:\(port)"
                let first = try await dispatcher(url, routes: routes, concurrency: "generate-image=20", extra: ["DISPATCH_LEASE_SECONDS": "2"])
                try await eventually("pushes to be in flight") { service.arrivals.count >= 20 }
                first.stop(signal: SIGKILL)
                #expect(try await statuses(client)["processing", default: 0] > 0)
                let second = try await dispatcher(url, routes: routes, concurrency: "generate-image=20", extra: ["DISPATCH_LEASE_SECONDS": "2"])
                try await eventually("every job to complete", timeout: .seconds(30)) {
                    try await statuses(client)["completed"] == 60
                }
                second.stop()
            }
            #expect(try await statuses(client) == ["completed": 60])
            #expect(Set(service.arrivals.map(\.jobID)).count == 60)
        }
    }

    @Test("SIGTERM releases unfinished jobs at once, without spending an attempt; the next delivery has an attempt number of its own")
    func gracefulShutdown() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream(delay: .seconds(5))
            try await service.run { port in
                let id = try await JobQueue(client: client, logger: logger).enqueue([NewJob(type: "generate-image", payload: "{}")])[0]
                let process = try await dispatcher(
                    url, routes: "generate-image=http://127.0.0.1:\(port)", extra: ["DISPATCH_SHUTDOWN_GRACE_SECONDS": "1"]
                )
                try await eventually("the push to be in flight") { service.arrivals.count == 1 }
                process.stop(signal: SIGTERM)
                #expect(try await jobState(client, id) == ("pending", 1))
                #expect(
                    try await scalar(client, "SELECT max_attempts::int8 FROM job_queue WHERE id = \(id)", as: Int.self) == NewJob.defaultMaxAttempts
                        + 1)
            }
        }
    }

    @Test("Without DISPATCH_FAIL_UNKNOWN_TYPES, a dispatcher leaves the jobs of types it does not route to the others")
    func unknownTypesAreLeftAlone() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream()
            try await service.run { port in
                let queue = JobQueue(client: client, logger: logger)
                let foreign = try await queue.enqueue([NewJob(type: "resize-image", payload: "{}")])[0]
                let own = try await queue.enqueue([NewJob(type: "generate-image", payload: "{}")])[0]
                let process = try await dispatcher(url, routes: "generate-image=http://127.0.0.1:\(port)", extra: ["DISPATCH_POLL_MS": "50"])
                try await eventually("its own job to complete") { try await jobState(client, own).status == "completed" }
                // The pass that would dead-letter it also exports the queue's depth: once the depth shows it, that pass ran.
                try await eventually("a maintenance pass to count the foreign job", timeout: .seconds(15)) {
                    let response = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: "http://127.0.0.1:\(process.port)/metrics"), timeout: .seconds(5))
                    let metrics = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    return metrics.contains(#"imagegen_queue_jobs{job_type="resize-image",status="pending"} 1"#)
                }
                process.stop()
                #expect(try await jobState(client, foreign).status == "pending")
            }
        }
    }

    @Test("Unknown job types (when told) and malformed payloads are dead-lettered with a clear error")
    func unroutableAndMalformed() async throws {
        try await TestDatabase.withClient { client, url in
            let service = Downstream()
            try await service.run { port in
                let queue = JobQueue(client: client, logger: logger)
                let unknown = try await queue.enqueue([NewJob(type: "resize-image", payload: "{}")])[0]
                let malformed = try await queue.enqueue([NewJob(type: "generate-image", payload: "[1, 2]")])[0]
                let process = try await dispatcher(
                    url, routes: "generate-image=http://127.0.0.1:\(port)", extra: ["DISPATCH_FAIL_UNKNOWN_TYPES": "true"]
                )
                try await eventually("both to be dead-lettered", timeout: .seconds(20)) {
                    let first = try await jobState(client, unknown).status
                    let second = try await jobState(client, malformed).status
                    return first == "failed" && second == "failed"
                }
                process.stop()
                let dead = try await queue.deadJobs()
                #expect(dead.first { $0.id == unknown }?.errorMessage == "no route for job type 'resize-image'")
                #expect(dead.first { $0.id == malformed }?.errorMessage == "payload is not a JSON object")
            }
            #expect(service.arrivals.isEmpty)
        }
    }
}
