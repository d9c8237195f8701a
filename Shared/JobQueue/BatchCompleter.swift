import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Groups completions from many concurrent workers into one statement: each caller waits for the flush that carries its
/// completion, so at high throughput one commit (and one fsync) covers many jobs.
package final class BatchCompleter: Service, Sendable {
    private struct Entry {
        var lease: JobLease
        var result: String?
        var done: CheckedContinuation<Bool, any Error>
    }

    private let queue: JobQueue
    private let maxBatch: Int
    private let pending = Mutex<[Entry]>([])
    private let (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    /// Flushes at most `maxBatch` completions per statement, as soon as there is any.
    package init(queue: JobQueue, maxBatch: Int = 500) {
        self.queue = queue
        self.maxBatch = maxBatch
    }

    /// Completes `lease` with `result` in the next batch; returns whether the attempt still held the job.
    package func complete(_ lease: JobLease, result: String?) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            pending.withLock { $0.append(Entry(lease: lease, result: result, done: continuation)) }
            signal.yield()
        }
    }

    package func run() async throws {
        // Keep flushing until shutdown, then drain what is left so no caller waits forever.
        await withGracefulShutdownHandler {
            for await _ in signals { await flush() }
        } onGracefulShutdown: {
            self.signal.finish()
        }
        await flush()
    }

    private func flush() async {
        while true {
            let batch = pending.withLock { pending -> [Entry] in
                let taken = Array(pending.prefix(maxBatch))
                pending.removeFirst(taken.count)
                return taken
            }
            if batch.isEmpty { return }
            do {
                let accepted = try await queue.complete(batch.map { ($0.lease, $0.result) })
                for entry in batch { entry.done.resume(returning: accepted.contains(entry.lease)) }
            } catch {
                for entry in batch { entry.done.resume(throwing: error) }
            }
        }
    }
}
