import Foundation
import Logging
import Metrics
import ServiceKit
import Storage
import Synchronization
import WireFormat

/// Whether image storage takes writes. After a write fails, downloads wait (snoozed, no attempt spent) and readiness
/// is false, so the platform sends work elsewhere; a small probe file is written at most every `probeInterval` until one
/// succeeds. `imagegen_downloader_storage_failing` is 1 meanwhile (alert `ImagegenStorageFailing`).
final class StorageHealth: Sendable {
    /// How long a download waits for storage before it is tried again.
    static var retryAfter: Duration { .seconds(Double.random(in: 10...20)) }

    private let storage: any ImageStorage
    private let probeInterval: Duration
    private let logger: Logger
    private let state = Mutex<(failing: String?, probedAt: ContinuousClock.Instant?)>((nil, nil))

    init(storage: any ImageStorage, probeInterval: Duration = .seconds(5), logger: Logger) {
        self.storage = storage
        self.probeInterval = probeInterval
        self.logger = logger
    }

    /// A write failed: storage is failing until a probe or a write succeeds.
    func failed(_ error: StorageFailure) {
        let first = state.withLock { state in
            defer { state = ("\(error)", .now) }
            return state.failing == nil
        }
        if first { logger.error("Image storage is failing: downloads wait for it", metadata: ["error": "\(error)"]) }
        Gauge(label: MetricName.downloaderStorageFailing).record(1)
    }

    /// A write went through.
    func succeeded() {
        let was = state.withLock { state in
            defer { state = (nil, nil) }
            return state.failing
        }
        if was != nil { logger.notice("Image storage takes writes again") }
        Gauge(label: MetricName.downloaderStorageFailing).record(0)
    }

    /// True unless storage failed and a probe written now (at most once per probe interval) fails too.
    func isWritable() async -> Bool {
        let due = state.withLock { state -> Bool? in
            guard state.failing != nil else { return nil }
            guard state.probedAt.map({ ContinuousClock.now - $0 >= probeInterval }) ?? true else { return false }
            state.probedAt = .now
            return true
        }
        guard let due else { return true }
        guard due else { return false }
        do {
            let path = "probe-\(UUID().uuidString.lowercased()).download"
            let probe = try await storage.writer(for: path)
            do {
                try await probe.append(Array("probe".utf8))
                _ = try await probe.commit(as: path, contentType: "application/octet-stream")
            } catch {
                await probe.abandon()
                throw error
            }
            try await storage.remove(path)
            succeeded()
            return true
        } catch {
            failed(StorageFailure("probe", error))
            return false
        }
    }

    /// Readiness: not ready while storage is failing.
    var readinessCheck: ReadinessCheck {
        ReadinessCheck("storage") {
            guard await self.isWritable() else { throw StorageFailure("write", CocoaError(.fileWriteOutOfSpace)) }
        }
    }
}
