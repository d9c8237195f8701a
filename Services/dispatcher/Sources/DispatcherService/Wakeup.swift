import Synchronization

/// A level-triggered wake signal: `signal()` resumes the waiter directly (or the next wait returns at once). A wait has no
/// timeout of its own: the dispatch loop's poll ticker signals it, and `signal(after:)` when a snoozed job comes due.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    /// The timers `signal(after:)` has running, by the slot of `resolution` they end in.
    private let timers = Mutex<Set<Int64>>([])
    private let origin = ContinuousClock.now
    static let resolution: Duration = .milliseconds(50)

    /// Signals once `delay` has passed: when a job this dispatcher snoozed or set back comes due, so it is claimed then
    /// rather than at the next poll tick (up to `DISPATCH_POLL_MS` later). Rounded up to `resolution`, and one timer
    /// serves every job due in the same slot, so a thousand parked jobs make a few timers.
    func signal(after delay: Duration) {
        let slot = Int64((origin.duration(to: .now + delay) / Self.resolution).rounded(.up))
        guard timers.withLock({ $0.insert(slot).inserted }) else { return }
        Task {
            try? await Task.sleep(until: origin + Self.resolution * slot, clock: .continuous)
            timers.withLock { _ = $0.remove(slot) }
            signal()
        }
    }

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns on the next signal, or at once if one came since the last wait.
    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
