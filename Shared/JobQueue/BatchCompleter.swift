import Database
import ServiceLifecycle

/// Groups completions from many concurrent workers into one statement (one commit, one fsync, for many jobs).
package final class BatchCompleter: Service, Sendable {
    private struct Completion {
        var lease: JobLease
        var result: String?
    }

    private let batcher: Batcher<Completion, Bool>

    /// Flushes at most `maxBatch` completions per statement, as soon as there is any.
    package init(queue: JobQueue, maxBatch: Int = 500) {
        batcher = Batcher(maxBatch: maxBatch) { batch in
            let accepted = try await queue.complete(batch.map { ($0.lease, $0.result) })
            return batch.map { accepted.contains($0.lease) }
        }
    }

    /// Completes `lease` with `result` in the next batch; returns whether the attempt still held the job.
    package func complete(_ lease: JobLease, result: String?) async throws -> Bool {
        try await batcher.submit(Completion(lease: lease, result: result))
    }

    package func run() async throws { try await batcher.run() }
}
