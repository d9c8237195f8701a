import Database
import ServiceLifecycle

/// Groups the outcomes of many concurrent workers' attempts (completions, snoozes, failures) into one statement of each
/// kind (one commit, one fsync, for many jobs).
package final class BatchCompleter: Service, Sendable {
    private struct Completion {
        var lease: JobLease
        var result: String?
    }

    private let completions: Batcher<Completion, Bool>
    private let snoozes: Batcher<(lease: JobLease, delay: Duration), Bool>
    private let failures: Batcher<JobFailure, FailureOutcome>

    /// Flushes at most `maxBatch` completions per statement, as soon as there is any.
    package init(queue: JobQueue, maxBatch: Int = 500) {
        completions = Batcher(maxBatch: maxBatch) { batch in
            let accepted = try await queue.complete(batch.map { ($0.lease, $0.result) })
            return batch.map { accepted.contains($0.lease) }
        }
        snoozes = Batcher(maxBatch: maxBatch) { batch in
            let snoozed = try await queue.snooze(batch)
            return batch.map { snoozed.contains($0.lease) }
        }
        failures = Batcher(maxBatch: maxBatch) { batch in
            let outcomes = try await queue.fail(batch)
            return batch.map { outcomes[$0.lease] ?? .leaseLost }
        }
    }

    /// Completes `lease` with `result` in the next batch; returns whether the attempt still held the job.
    package func complete(_ lease: JobLease, result: String?) async throws -> Bool {
        try await completions.submit(Completion(lease: lease, result: result))
    }

    /// Snoozes `lease` for `delay` in the next batch (``JobQueue/snooze(_:for:)``); returns whether it still held the job.
    package func snooze(_ lease: JobLease, for delay: Duration) async throws -> Bool {
        try await snoozes.submit((lease, delay))
    }

    /// Records the failed attempt in the next batch (``JobQueue/fail(_:error:retryable:delay:)``).
    package func fail(_ failure: JobFailure) async throws -> FailureOutcome {
        try await failures.submit(failure)
    }

    package func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.completions.run() }
            group.addTask { try await self.snoozes.run() }
            group.addTask { try await self.failures.run() }
        }
    }
}
