import Database
import Foundation
import Generations
import JobQueue
import Logging
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@Suite("Job queue on PostgreSQL")
struct JobQueueTests {
    let logger = TestDatabase.logger

    @Test("An enqueue inside a rolled-back transaction leaves no job")
    func transactionalEnqueueRollsBack() async throws {
        try await TestDatabase.withClient { client, _ in
            struct Boom: Error {}
            await #expect(throws: PostgresTransactionError.self) {
                try await client.withTransaction(logger: logger) { connection in
                    try await JobQueue.enqueue([NewJob(type: "generate-image", payload: "{}")], on: connection, logger: logger)
                    throw Boom()
                }
            }
            let count = try await scalar(client, "SELECT count(*)::int8 FROM job_queue", as: Int.self)
            #expect(count == 0)
        }
    }

    @Test("Concurrent claimers on separate connections claim every job exactly once")
    func noDoubleClaims() async throws {
        try await TestDatabase.withClient(maxConnections: 12) { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let total = 3000
            for chunk in stride(from: 0, to: total, by: 500) {
                try await queue.enqueue((chunk..<chunk + 500).map { NewJob(type: "noop", payload: "{\"n\": \($0)}") })
            }
            let claimed = ClaimLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        while true {
                            let jobs = try await queue.claim(limits: ["noop": 25], worker: "w\(worker)", lease: .seconds(30))
                            if jobs.isEmpty { return }
                            claimed.record(jobs)
                            let accepted = try await queue.complete(jobs.map { ($0.lease, nil) })
                            #expect(accepted.count == jobs.count)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let counts = claimed.counts
            #expect(counts.count == total)
            #expect(counts.values.allSatisfy { $0 == 1 })
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM job_queue WHERE status = 'completed'", as: Int.self) == total)
        }
    }

    @Test("Higher priority runs first, and a delayed job waits for its run_at")
    func priorityAndRunAt() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let low = try await queue.enqueue([NewJob(type: "t", payload: "{}", priority: 0)])[0]
            let high = try await queue.enqueue([NewJob(type: "t", payload: "{}", priority: 5)])[0]
            let later = try await queue.enqueue([NewJob(type: "t", payload: "{}", priority: 9, delay: .seconds(3600))])[0]
            let first = try await queue.claim(limits: ["t": 5], worker: "w", lease: .seconds(30))
            #expect(first.map(\.id) == [high, low])
            #expect(try await queue.claim(limits: ["t": 5], worker: "w", lease: .seconds(30)).isEmpty)
            // Time passes (moved, not waited for): the delayed job becomes runnable.
            try await client.query("UPDATE job_queue SET run_at = now() - interval '1 second' WHERE id = \(later)")
            #expect(try await queue.claim(limits: ["t": 5], worker: "w", lease: .seconds(30)).map(\.id) == [later])
        }
    }

    @Test("A low-priority job that waits rises a level per step, up to the ceiling, and is then claimed ahead of newer ones")
    func priorityAging() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let old = try await queue.enqueue([NewJob(type: "t", payload: "{}", priority: 0)])[0]
            let step = Duration.milliseconds(20)
            try await eventually("the old job to reach the ceiling") {
                try await queue.agePriorities(types: ["t"], step: step, ceiling: 3)
                return try await scalar(client, "SELECT priority::int8 FROM job_queue WHERE id = \(old)", as: Int.self) == 3
            }
            try await queue.agePriorities(types: ["t"], step: step, ceiling: 3)
            #expect(try await scalar(client, "SELECT priority::int8 FROM job_queue WHERE id = \(old)", as: Int.self) == 3)
            let newer = try await queue.enqueue([NewJob(type: "t", payload: "{}", priority: 2)])[0]
            let claimed = try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30))
            #expect(claimed.map(\.id) == [old])
            #expect(try await queue.agePriorities(types: ["t"], step: .seconds(3600), ceiling: 3) == 0)
            #expect(try await jobState(client, newer).status == "pending")
            // Below 0 (a batch's lane) a job climbs a level a step, and only from the floor given.
            let batch = try await queue.enqueue([NewJob(type: "t", payload: "{}", priority: -2)])[0]
            try await client.query("UPDATE job_queue SET run_at = now() - interval '1 second' WHERE id = \(batch)")
            try await queue.agePriorities(types: ["t"], step: .milliseconds(600), ceiling: 3)
            #expect(try await scalar(client, "SELECT priority::int8 FROM job_queue WHERE id = \(batch)", as: Int.self) == -2)
            try await queue.agePriorities(types: ["t"], step: .milliseconds(600), ceiling: 3, floor: -11)
            #expect(try await scalar(client, "SELECT priority::int8 FROM job_queue WHERE id = \(batch)", as: Int.self) == -1)
        }
    }

    @Test("Per-type limits cap each claim independently")
    func perTypeLimits() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            try await queue.enqueue((0..<10).map { _ in NewJob(type: "slow", payload: "{}") })
            try await queue.enqueue((0..<10).map { _ in NewJob(type: "fast", payload: "{}") })
            let jobs = try await queue.claim(limits: ["slow": 2, "fast": 7], worker: "w", lease: .seconds(30))
            #expect(jobs.filter { $0.type == "slow" }.count == 2)
            #expect(jobs.filter { $0.type == "fast" }.count == 7)
        }
    }

    @Test("Retryable failures back off, then the job is dead-lettered with its history and fails its generation")
    func backoffThenDeadLetter() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let generation = try await insertGeneration(client)
            let id = try await queue.enqueue([GenerateImage.job(for: generation, userID: UUID(), maxAttempts: 3)])[0]
            var runAts: [Date] = []
            for attempt in 1...3 {
                let job = try await claimWhenRunnable(queue, type: GenerateImage.name)
                #expect(job.attempt == attempt)
                let outcome = try await queue.fail(job.lease, error: "boom \(attempt)", retryable: true, delay: .milliseconds(50 * attempt))
                if attempt < 3 {
                    guard case .retrying(let at) = outcome else {
                        Issue.record("expected retry, got \(outcome)")
                        return
                    }
                    runAts.append(at)
                } else {
                    #expect(outcome == .deadLettered)
                }
            }
            #expect(try await jobState(client, id).status == "failed")
            let dead = try await queue.deadJobs()
            #expect(dead.map(\.id) == [id])
            let history = try JSONSerialization.jsonObject(with: Data(dead[0].errors.utf8)) as? [[String: Any]]
            #expect(history?.compactMap { $0["error"] as? String } == ["boom 1", "boom 2", "boom 3"])
            let (status, message) = try await firstRow(
                client, "SELECT status, error_message FROM image_generations WHERE id = \(generation)", as: (String, String?).self
            )
            #expect(status == "failed")
            #expect(message == GenerationFailure.unavailable.message)
        }
    }

    @Test("Backoff grows exponentially, stays jittered within bounds and honours Retry-After")
    func backoffShape() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(60))
        for attempt in 1...8 {
            let full = min(Duration.seconds(1 << (attempt - 1)), .seconds(60))
            let delay = backoff.delay(afterAttempt: attempt)
            #expect(delay >= full / 2 && delay <= full)
        }
        #expect(backoff.delay(afterAttempt: 1, retryAfter: .seconds(30)) == .seconds(30))
    }

    @Test("A permanent failure dead-letters at once")
    func permanentFailure() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "t", payload: "{}", maxAttempts: 5)])[0]
            let job = try #require(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first)
            #expect(try await queue.fail(job.lease, error: "bad input", retryable: false, delay: .zero) == .deadLettered)
            #expect(try await jobState(client, id).status == "failed")
            #expect(try await queue.requeue(id))
            // A fresh set of attempts; the numbering goes on, so the next delivery is attempt 2, never 1 again.
            #expect(try await jobState(client, id) == ("pending", 1))
            #expect(try await scalar(client, "SELECT max_attempts::int8 FROM job_queue WHERE id = \(id)", as: Int.self) == 6)
            #expect(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first?.attempt == 2)
        }
    }

    @Test("An expired lease is rescued; the late completion of the lost attempt is rejected")
    func leaseRescueAndLateCompletion() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "t", payload: "{}")])[0]
            let lost = try #require(try await queue.claim(limits: ["t": 1], worker: "dead", lease: .milliseconds(100)).first)
            try await eventually("the lease to be rescued") { try await queue.rescueExpired() == 1 }
            #expect(try await jobState(client, id) == ("pending", 1))
            let second = try #require(try await queue.claim(limits: ["t": 1], worker: "alive", lease: .seconds(30)).first)
            #expect(second.attempt == 2)
            #expect(try await queue.renew([lost.lease], worker: "dead", lease: .seconds(30)).isEmpty)
            #expect(try await queue.complete([(lost.lease, nil)]).isEmpty)
            #expect(try await queue.fail(lost.lease, error: "late", retryable: true, delay: .zero) == .leaseLost)
            #expect(try await queue.renew([second.lease], worker: "alive", lease: .seconds(30)) == [second.lease])
            #expect(try await queue.complete([(second.lease, "{\"ok\": true}")]) == [second.lease])
            // The rescuer never touches a finished job.
            #expect(try await queue.rescueExpired() == 0)
            #expect(try await jobState(client, id) == ("completed", 2))
        }
    }

    @Test("A rescued job with no attempts left is dead-lettered")
    func rescueExhausted() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "t", payload: "{}", maxAttempts: 1)])[0]
            _ = try await queue.claim(limits: ["t": 1], worker: "dead", lease: .milliseconds(50))
            try await eventually("the lease to be rescued") { try await queue.rescueExpired() == 1 }
            #expect(try await jobState(client, id).status == "failed")
        }
    }

    @Test("Graceful release returns a job without spending an attempt, and its next delivery has a new attempt number")
    func release() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "t", payload: "{}", maxAttempts: 1)])[0]
            let job = try #require(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first)
            try await queue.release([job.lease])
            #expect(try await jobState(client, id) == ("pending", 1))
            let again = try #require(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first)
            #expect(again.attempt == 2 && again.maxAttempts == 2)
            // The released attempt can no longer finish the job.
            #expect(try await queue.complete([(job.lease, nil)]).isEmpty)
        }
    }

    @Test("A snoozed job waits out its delay without spending an attempt, and only its holder can snooze it")
    func snooze() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "t", payload: "{}", maxAttempts: 1)])[0]
            let job = try #require(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first)
            #expect(try await queue.snooze(job.lease, for: .seconds(3600)))
            #expect(try await !queue.snooze(job.lease, for: .zero))
            #expect(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).isEmpty)
            let waiting = try await scalar(
                client, "SELECT EXTRACT(EPOCH FROM run_at - now())::float8 FROM job_queue WHERE id = \(id)", as: Double.self)
            #expect(waiting > 3500)
            try await client.query("UPDATE job_queue SET run_at = now() WHERE id = \(id)")
            let again = try #require(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first)
            // A job allowed one attempt is delivered again: the snooze spent none.
            #expect(again.attempt == 2 && again.maxAttempts == 2)
        }
    }

    @Test("A dedupe key admits one live job at a time")
    func dedupe() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let first = try await queue.enqueue([NewJob(type: "t", payload: "{}", dedupeKey: "gen-1")])
            let second = try await queue.enqueue([NewJob(type: "t", payload: "{}", dedupeKey: "gen-1")])
            #expect(first.count == 1)
            #expect(second.isEmpty)
            let job = try #require(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).first)
            try await queue.complete([(job.lease, nil)])
            #expect(try await queue.enqueue([NewJob(type: "t", payload: "{}", dedupeKey: "gen-1")]).count == 1)
        }
    }

    @Test("Cancelling a pending job keeps it from being claimed")
    func cancellation() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "t", payload: "{}")])[0]
            #expect(try await queue.cancel(id))
            #expect(try await queue.claim(limits: ["t": 1], worker: "w", lease: .seconds(30)).isEmpty)
            #expect(try await jobState(client, id).status == "cancelled")
            #expect(try await !queue.cancel(id))
        }
    }

    @Test("Pruning deletes only old finished jobs")
    func pruning() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            try await queue.enqueue((0..<30).map { _ in NewJob(type: "t", payload: "{}") })
            let jobs = try await queue.claim(limits: ["t": 20], worker: "w", lease: .seconds(30))
            try await queue.complete(jobs.map { ($0.lease, nil) })
            try await client.query("UPDATE job_queue SET completed_at = now() - interval '8 days' WHERE status = 'completed'")
            #expect(try await queue.prune(olderThan: .seconds(7 * 86400), batch: 7) == 20)
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM job_queue", as: Int.self) == 10)
        }
    }

    @Test(
        "Claims and completions reach their rows through indexes, never the whole table, however long the history and whether or not the statistics have caught up, or saw a backlog with nothing in flight"
    )
    func batchPlansUseIndexes() async throws {
        try await TestDatabase.withClient { client, _ in
            // Statistics taken while the queue was empty, then a week of history, a backlog and jobs in flight land.
            try await client.query("ANALYZE job_queue")
            try await client.query(
                """
                INSERT INTO job_queue (job_type, payload, status, attempt_number, completed_at)
                SELECT 'noop', '{}', (ARRAY['pending', 'processing', 'completed', 'completed', 'completed'])[g % 5 + 1],
                       CASE WHEN g % 5 = 0 THEN 0 ELSE 1 END, CASE WHEN g % 5 > 1 THEN now() END
                FROM generate_series(1, 100000) AS g
                """
            )
            let processing = try await client.query("SELECT id FROM job_queue WHERE status = 'processing' LIMIT 100")
            var ids: [String] = []
            for try await id in processing.decode(UUID.self) { ids.append("'\(id)'") }
            let completion = "ARRAY[\(ids.joined(separator: ","))]::uuid[], array_fill(1, ARRAY[100]), array_fill(''::text, ARRAY[100])"
            try await client.withConnection { connection in
                func run(_ sql: String) async throws -> String {
                    var lines = ""
                    for try await line in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
                        lines += line + "\n"
                    }
                    return lines
                }
                _ = try await run("PREPARE claim_plan(text[], int[], text, float8) AS \(JobQueue.claimSQL)")
                _ = try await run("PREPARE complete_plan(uuid[], int[], text[]) AS \(JobQueue.completeSQL)")
                let executions = ["EXECUTE claim_plan(ARRAY['noop'], ARRAY[100], 'w', 1000)", "EXECUTE complete_plan(\(completion))"]
                for statistics in ["stale", "backlog", "fresh"] {
                    if statistics == "backlog" {
                        // Taken while the jobs now in flight were still waiting: none processing, so the index of leases
                        // looks empty, and a lookup by id filtered to processing rows would rather scan it whole.
                        _ = try await run("UPDATE job_queue SET status = 'pending', locked_by = 'in flight' WHERE status = 'processing'")
                        _ = try await run("ANALYZE job_queue")
                        _ = try await run("UPDATE job_queue SET status = 'processing', locked_by = NULL WHERE locked_by = 'in flight'")
                    }
                    if statistics == "fresh" { _ = try await run("ANALYZE job_queue") }
                    for mode in ["force_custom_plan", "force_generic_plan"] {
                        _ = try await run("SET plan_cache_mode = \(mode)")
                        for execute in executions {
                            let plan = try await run("EXPLAIN \(execute)")
                            let context = Comment(rawValue: "\(statistics) statistics, \(mode), \(execute.prefix(20)):\n\(plan)")
                            #expect(!plan.contains("Seq Scan") && !plan.contains("Hash"), context)
                            #expect(!plan.contains("job_queue_leases"), context)
                            #expect(plan.contains("job_queue_pkey"), context)
                        }
                    }
                }
            }
        }
    }

    @Test("Unroutable job types are dead-lettered with a clear error")
    func unroutable() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue([NewJob(type: "mystery", payload: "{}")])[0]
            try await queue.enqueue([NewJob(type: "known", payload: "{}")])
            #expect(try await queue.deadLetterUnroutable(knownTypes: ["known"]) == 1)
            let dead = try await queue.deadJobs()
            #expect(dead.first?.id == id)
            #expect(dead.first?.errorMessage == "no route for job type 'mystery'")
        }
    }

    @Test("Stats report depth per type and status and the lag of the oldest runnable job")
    func stats() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            try await queue.enqueue((0..<3).map { _ in NewJob(type: "a", payload: "{}") })
            try await queue.enqueue([NewJob(type: "b", payload: "{}")])
            _ = try await queue.claim(limits: ["a": 1], worker: "w", lease: .seconds(30))
            let stats = try await queue.stats()
            #expect(stats.first { $0.jobType == "a" && $0.status == "pending" }?.count == 2)
            #expect(stats.first { $0.jobType == "a" && $0.status == "processing" }?.count == 1)
            #expect(stats.first { $0.jobType == "b" && $0.status == "pending" }?.count == 1)
            #expect((stats.first { $0.jobType == "a" && $0.status == "pending" }?.oldestAvailableAgeSeconds ?? -1) >= 0)
        }
    }

    @Test("Concurrent completions are batched; each caller learns whether its attempt still held the job")
    func batchCompleter() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            try await queue.enqueue((0..<300).map { _ in NewJob(type: "t", payload: "{}") })
            let jobs = try await queue.claim(limits: ["t": 300], worker: "w", lease: .seconds(30))
            let completer = BatchCompleter(queue: queue)
            let running = Task { try await completer.run() }
            let stale = JobLease(id: jobs[0].id, attempt: 99)
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for job in jobs { group.addTask { try await completer.complete(job.lease, result: nil) } }
                group.addTask { try await completer.complete(stale, result: nil) }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            running.cancel()
            #expect(results.filter { $0 }.count == 300)
            #expect(results.filter { !$0 }.count == 1)
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM job_queue WHERE status = 'completed'", as: Int.self) == 300)
        }
    }

    @Test("Batched snoozes and failures: each attempt gets its own outcome, and a stale attempt none")
    func batchedOutcomes() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            try await queue.enqueue((0..<5).map { index in NewJob(type: "t", payload: "{}", maxAttempts: index == 2 ? 1 : 5) })
            let jobs = try await queue.claim(limits: ["t": 5], worker: "w", lease: .seconds(30)).sorted { $0.maxAttempts < $1.maxAttempts }
            let (last, retried, refused, snoozed, stale) = (jobs[0], jobs[1], jobs[2], jobs[3], jobs[4])
            let completer = BatchCompleter(queue: queue)
            let running = Task { try await completer.run() }
            async let a = completer.fail(JobFailure(lease: retried.lease, error: "busy", retryable: true, delay: .seconds(60)))
            async let b = completer.fail(JobFailure(lease: last.lease, error: "busy", retryable: true, delay: .seconds(60)))
            async let c = completer.fail(JobFailure(lease: refused.lease, error: "bad", retryable: false, delay: .zero))
            async let d = completer.fail(JobFailure(lease: JobLease(id: stale.id, attempt: 99), error: "late", retryable: true, delay: .zero))
            async let e = completer.snooze(snoozed.lease, for: .seconds(60))
            let outcomes = try await (a, b, c, d, e)
            running.cancel()
            guard case .retrying = outcomes.0 else {
                Issue.record("expected a retry, got \(outcomes.0)")
                return
            }
            #expect(outcomes.1 == .deadLettered && outcomes.2 == .deadLettered && outcomes.3 == .leaseLost && outcomes.4)
            #expect(try await jobState(client, retried.id) == ("pending", 1))
            #expect(try await jobState(client, stale.id) == ("processing", 1))
            #expect(try await scalar(client, "SELECT error_message FROM job_queue WHERE id = \(refused.id)", as: String.self) == "bad")
            #expect(try await scalar(client, "SELECT max_attempts::int8 FROM job_queue WHERE id = \(snoozed.id)", as: Int.self) == 6)
            // None is runnable before its delay.
            #expect(try await queue.claim(limits: ["t": 5], worker: "w", lease: .seconds(30)).isEmpty)
        }
    }

    @Test("Completions and lease renewals over the same jobs, in opposite orders, queue behind each other and never deadlock")
    func batchesDoNotDeadlock() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: logger)
            try await queue.enqueue((0..<300).map { _ in NewJob(type: "t", payload: "{}") })
            let leases = try await queue.claim(limits: ["t": 300], worker: "w", lease: .seconds(30)).map(\.lease)
                .sorted { $0.id.uuidString < $1.id.uuidString }
            let middle = leases[150].id
            try await client.withConnection { blocker in
                // Hold the middle row so both batches queue on it, each holding the rows it locked before.
                try await blocker.query("BEGIN", logger: logger)
                try await blocker.query("SELECT 1 FROM job_queue WHERE id = \(middle) FOR UPDATE", logger: logger)
                async let renewed = queue.renew(leases.reversed(), worker: "w", lease: .seconds(30))
                async let completed = queue.complete(leases.map { ($0, nil) })
                try await eventually("both batches to wait on the held row") {
                    try await scalar(
                        client,
                        "SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0",
                        as: Int.self
                    ) >= 2
                }
                try await blocker.query("COMMIT", logger: logger)
                _ = try await (renewed, completed)
            }
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM job_queue WHERE status = 'completed'", as: Int.self) == 300)
        }
    }

    @Test("Stopping the listener ends every subscriber's stream")
    func listenerShutdown() async throws {
        try await TestDatabase.withClient { _, url in
            let listener = NotificationListener(url: url, channel: "imagegen_jobs", logger: logger)
            let first = listener.subscribe()
            let second = listener.subscribe()
            let running = Task { try await listener.run() }
            var iterator = first.makeAsyncIterator()
            #expect(await iterator.next()?.isResync == true)
            running.cancel()
            try await running.value
            while await iterator.next() != nil {}
            var other = second.makeAsyncIterator()
            while await other.next() != nil {}
            #expect(listener.subscriberCount == 0)
        }
    }

    @Test("An enqueue wakes a LISTEN subscriber")
    func notifyWakesListener() async throws {
        try await TestDatabase.withClient { client, url in
            let listener = NotificationListener(url: url, channel: "imagegen_jobs", logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                var stream = listener.subscribe().makeAsyncIterator()
                let first = await stream.next()
                #expect(first?.isResync == true)
                try await JobQueue(client: client, logger: logger).enqueue([NewJob(type: "generate-image", payload: "{}")])
                let woke = await stream.next()
                #expect(woke?.payload == "generate-image")
                group.cancelAll()
            }
        }
    }

    @Test("A deferring session queues its notifications until published after commit; a rolled-back write's are dropped")
    func deferredNotifications() async throws {
        try await TestDatabase.withClient { _, url in
            // A session's setting: on the server itself (behind a pooler, nothing defers).
            let deferring = PostgresClient(
                configuration: url.session.clientConfiguration(maxConnections: 1, deferNotifications: true), backgroundLogger: logger)
            let listener = NotificationListener(url: url, channel: "imagegen_jobs", logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await deferring.run() }
                group.addTask { try await listener.run() }
                var stream = listener.subscribe().makeAsyncIterator()
                #expect(await stream.next()?.isResync == true)
                await #expect(throws: PostgresTransactionError.self) {
                    try await deferring.withNotifyingTransaction(logger: logger) { connection in
                        try await JobQueue.enqueue([NewJob(type: "rolled-back", payload: "{}")], on: connection, logger: logger)
                        throw CancellationError()
                    }
                }
                try await deferring.withConnection { connection in
                    @Sendable func queued() async throws -> [String] {
                        let rows = try await connection.query(
                            "SELECT channel || ':' || payload FROM pg_temp.imagegen_deferred_notifications ORDER BY n", logger: logger)
                        var texts: [String] = []
                        for try await text in rows.decode(String.self) { texts.append(text) }
                        return texts
                    }
                    try await JobQueue.enqueue([NewJob(type: "deferred", payload: "{}")], on: connection, logger: logger)
                    #expect(try await queued() == ["imagegen_jobs:deferred"])
                    try await connection.publishNotifications(logger: logger)
                    #expect(try await queued() == [])
                }
                #expect(await stream.next()?.payload == "deferred")
                // Many in one transaction (a batch's): each is one row, published after commit, all of them, in order.
                try await deferring.withNotifyingTransaction(logger: logger) { connection in
                    try await connection.query(
                        "DO $$ BEGIN PERFORM imagegen_notify('imagegen_jobs', 'bulk-' || n) FROM generate_series(1, 1000) AS n; END $$",
                        logger: logger)
                }
                var bulk: [String] = []
                while bulk.count < 1000, let next = await stream.next() { bulk.append(next.payload) }
                #expect(bulk == (1...1000).map { "bulk-\($0)" })
                group.cancelAll()
            }
        }
    }
}

/// Counts how often each job id was claimed, across tasks.
final class ClaimLog: Sendable {
    private let seen = Mutex<[UUID: Int]>([:])
    func record(_ jobs: [ClaimedJob]) { seen.withLock { for job in jobs { $0[job.id, default: 0] += 1 } } }
    var counts: [UUID: Int] { seen.withLock { $0 } }
}
