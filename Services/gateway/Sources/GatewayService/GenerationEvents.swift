import Catalog
import Database
import Foundation
import Generations
import Logging
import PostgresNIO
import PublicAPI

/// Reads events and waits for changes, fanned out from the gateway's one LISTEN connection.
struct GenerationEvents: Sendable {
    let client: PostgresClient
    let hub: GenerationEventHub
    let logger: Logger

    /// Events of `generation` after `eventID`, in order.
    func events(of generation: UUID, after eventID: Int64) async throws -> [GenerationEvent] {
        /// Replay from the event log: nothing twice, nothing missed.
        let rows = try await client.query(
            """
            SELECT id, status, progress, error_message, created_at FROM generation_events
            WHERE generation_id = \(generation) AND id > \(eventID)
            ORDER BY id
            """,
            logger: logger
        )
        var events: [GenerationEvent] = []
        for try await (id, status, progress, message, at) in rows.decode((Int64, String, Int, String?, Date).self) {
            events.append(
                GenerationEvent(
                    id: id, generationId: generation, status: GenerationStatus(rawValue: status) ?? .failed, progress: progress,
                    errorMessage: message, createdAt: at
                )
            )
        }
        return events
    }

    /// What may have happened to `generation`: its events as they occur, resyncs, a heartbeat every `heartbeat`, and a
    /// `check` every `check` (nil: none). Subscribes at once, so nothing that happens after this call is missed.
    func changes(of generation: UUID, heartbeat: Duration, check: Duration? = nil) -> AsyncStream<Tick> {
        let messages = hub.subscribe(generation)
        return AsyncStream { continuation in
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await message in messages {
                            switch message {
                            case .event(let event): continuation.yield(.event(event))
                            case .resync: continuation.yield(.resync)
                            }
                        }
                    }
                    group.addTask {
                        while (try? await Task.sleep(for: heartbeat)) != nil { continuation.yield(.heartbeat) }
                    }
                    if let check {
                        group.addTask {
                            while (try? await Task.sleep(for: check)) != nil { continuation.yield(.check) }
                        }
                    }
                    await group.next()
                    group.cancelAll()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    enum Tick: Sendable {
        case event(GenerationEvent)
        case resync
        case heartbeat
        /// Time to look again at what is not an event (a waiting generation's place in the queue).
        case check
    }

    /// Waits until `generation` is terminal or `timeout` passes; returns the generation as last read.
    func waitUntilTerminal(_ generation: UUID, store: GenerationStore, timeout: Duration) async throws -> Generation? {
        let deadline = ContinuousClock.now + timeout
        let ticks = changes(of: generation, heartbeat: .milliseconds(500))
        var current = try await store.find(generation)
        if current?.status.isTerminal ?? true { return current }
        for await tick in ticks {
            switch tick {
            case .event(let event) where event.status.isTerminal: return try await store.find(generation)
            case .resync: current = try await store.find(generation)
            default: break
            }
            if current?.status.isTerminal ?? true || ContinuousClock.now >= deadline { break }
        }
        return try await store.find(generation)
    }
}
