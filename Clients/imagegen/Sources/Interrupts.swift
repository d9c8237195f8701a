import Dispatch
import Foundation

/// Ctrl-C while work runs: each SIGINT calls `onInterrupt` (which may end the command by throwing) instead of killing
/// the process.
enum Interrupts {
    static func whileRunning<T: Sendable>(
        _ work: @escaping @Sendable () async throws -> T,
        onInterrupt: @escaping @Sendable () async throws -> Void
    ) async throws -> T {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer {
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                for await _ in signals { try await onInterrupt() }
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }
}
