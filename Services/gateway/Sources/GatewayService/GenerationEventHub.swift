import Database
import Foundation
import Logging
import Metrics
import PublicAPI
import ServiceKit
import ServiceLifecycle
import Synchronization
import WireFormat

/// What a generation's subscribers receive: an event as it happened, or a resync after the LISTEN connection came back
/// (events may have been missed; read them from the database).
enum HubMessage: Sendable {
    case event(GenerationEvent)
    case resync
}

/// The gateway's one LISTEN subscription, routed by generation: each notification is parsed once and handed to the
/// streams of that generation only.
package final class GenerationEventHub: Service, Sendable {
    private let listener: NotificationListener
    private let logger: Logger
    private let subscribers = Mutex<[UUID: [Int: AsyncStream<HubMessage>.Continuation]]>([:])
    private let nextID = Atomic<Int>(0)

    package init(listener: NotificationListener, logger: Logger) {
        self.listener = listener
        self.logger = logger
    }

    /// Messages for `generation` from now on; the stream ends when the caller stops listening or the hub stops.
    func subscribe(_ generation: UUID) -> AsyncStream<HubMessage> {
        let (stream, continuation) = AsyncStream.makeStream(of: HubMessage.self, bufferingPolicy: .bufferingNewest(256))
        let id = nextID.add(1, ordering: .relaxed).newValue
        let open = subscribers.withLock { subscribers in
            subscribers[generation, default: [:]][id] = continuation
            return subscribers.values.map(\.count).reduce(0, +)
        }
        Gauge(label: MetricName.gatewaySseStreamsOpen).record(open)
        continuation.onTermination = { [weak self] _ in
            guard
                let open = self?.subscribers.withLock({ subscribers in
                    subscribers[generation]?[id] = nil
                    if subscribers[generation]?.isEmpty == true { subscribers[generation] = nil }
                    return subscribers.values.map(\.count).reduce(0, +)
                })
            else { return }
            Gauge(label: MetricName.gatewaySseStreamsOpen).record(open)
        }
        return stream
    }

    package func run() async throws {
        for await notification in listener.subscribe().cancelOnGracefulShutdown() {
            if notification.isResync {
                for continuation in subscribers.withLock({ $0.values.flatMap(\.values) }) { continuation.yield(.resync) }
                continue
            }
            // Most events have no stream open on this instance: do not decode those.
            guard !subscribers.withLock({ $0.isEmpty }) else { continue }
            guard let event = try? JSONCoding.decoder().decode(GenerationEvent.self, from: Data(notification.payload.utf8)) else {
                logger.warning("Unreadable generation event notification", metadata: ["payload": "\(notification.payload.prefix(200))"])
                continue
            }
            for continuation in subscribers.withLock({ Array(($0[event.generationId] ?? [:]).values) }) { continuation.yield(.event(event)) }
        }
        let remaining = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return subscribers.values.flatMap(\.values)
        }
        for continuation in remaining { continuation.finish() }
    }
}
