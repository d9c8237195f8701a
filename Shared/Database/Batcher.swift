import ServiceLifecycle
import Synchronization

/// Groups items from many concurrent callers into one `write`: each caller waits for the write that carries its item, so
/// at high throughput one statement and one commit (one fsync) cover many items.
package final class Batcher<Item: Sendable, Answer: Sendable>: Service, Sendable {
    private struct Entry {
        var item: Item
        var done: CheckedContinuation<Answer, any Error>
    }

    private let maxBatch: Int
    private let write: @Sendable ([Item]) async throws -> [Answer]
    private let pending = Mutex<[Entry]>([])
    private let (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    /// Writes at most `maxBatch` items at a time, as soon as there is any; `write` answers each item, in order.
    package init(maxBatch: Int = 500, write: @escaping @Sendable ([Item]) async throws -> [Answer]) {
        self.maxBatch = maxBatch
        self.write = write
    }

    /// Writes `item` in the next batch and returns its answer (or the batch's error).
    package func submit(_ item: Item) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            pending.withLock { $0.append(Entry(item: item, done: continuation)) }
            signal.yield()
        }
    }

    package func run() async throws {
        // Keep writing until shutdown, then drain what is left so no caller waits forever.
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
                let answers = try await write(batch.map(\.item))
                precondition(answers.count == batch.count, "a batch write answers every item")
                for (entry, answer) in zip(batch, answers) { entry.done.resume(returning: answer) }
            } catch {
                for entry in batch { entry.done.resume(throwing: error) }
            }
        }
    }
}
