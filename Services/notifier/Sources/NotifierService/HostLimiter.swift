import Synchronization

/// At most `limit` deliveries in flight to one receiver (`scheme://host:port`), so a slow or dead receiver holds a few of
/// the notifier's slots, not all of them.
///
/// A delivery that finds its receiver's slots taken either waits here for one or goes back to the queue for later,
/// depending on the receiver's pace (how long its deliveries take, and how long it has had no free slot): a
/// quick receiver frees a slot within milliseconds, so the delivery waits for it (handed over in arrival order, for at
/// most `maxWait`) instead of costing a claim, a push and a snooze; a slow or hanging one would hold the dispatcher's slot
/// all that time, so the delivery is snoozed for about as long as the receiver takes to free a slot (jittered, so its
/// backlog does not come back at once and keep the queue busy with deliveries that cannot start), and each slot it frees
/// with nobody waiting here, answering in time, wakes one delivery sent back (see `release`), so a long snooze costs a
/// live receiver no time.
package final class HostLimiter: Sendable {
    package enum Admission: Equatable, Sendable {
        /// A slot is this delivery's; `release` it when done.
        case granted
        /// Try again after this long.
        case snooze(Duration)
    }

    private struct Receiver {
        var inFlight = 0
        /// Moving average of its deliveries' durations (timeouts count in full); nil before the first ends.
        var pace: Duration?
        /// When it last had a free slot: how long it has been full is the least it will take to free one.
        var lastFree: ContinuousClock.Instant
        /// Deliveries this notifier sent back to the queue while the receiver was full and has not woken since.
        var parked = 0
        /// Deliveries waiting for a slot, oldest first.
        var waiters: [(id: Int, answer: CheckedContinuation<Admission, Never>)] = []
    }

    private let limit: Int
    private let quick: Duration
    private let maxWait: Duration
    private let longest: Duration
    private let state = Mutex<(receivers: [String: Receiver], nextWaiter: Int, pruned: ContinuousClock.Instant)>(([:], 0, .now))
    /// A receiver's pace is remembered this long after its last delivery.
    private static let memory = Duration.seconds(600)

    /// - Parameters:
    ///   - limit: deliveries in flight per receiver.
    ///   - longest: the longest a delivery can take (the request timeout), the longest snooze's base.
    ///   - quick: a receiver that frees slots at least this often is waited for in place.
    ///   - maxWait: the longest a delivery waits in place before it is snoozed after all.
    package init(limit: Int, longest: Duration, quick: Duration = .milliseconds(200), maxWait: Duration = .seconds(1)) {
        self.limit = limit
        self.longest = longest
        self.quick = quick
        self.maxWait = maxWait
    }

    /// Takes a slot for `receiver`, waiting for one when the receiver is quick; otherwise says when to try again.
    package func admit(_ receiver: String) async -> Admission {
        await withCheckedContinuation { answer in
            let waiter = state.withLock { state -> Int? in
                let now = ContinuousClock.now
                if now - state.pruned > Self.memory {
                    state.receivers = state.receivers.filter { $0.value.inFlight > 0 || now - $0.value.lastFree < Self.memory }
                    state.pruned = now
                }
                var host = state.receivers[receiver] ?? Receiver(lastFree: now)
                defer { state.receivers[receiver] = host }
                if host.inFlight < limit {
                    host.inFlight += 1
                    host.lastFree = now
                    answer.resume(returning: .granted)
                    return nil
                }
                let expected = expectedWait(host, now: now)
                guard expected <= quick, host.waiters.count < limit else {
                    host.parked += 1
                    answer.resume(returning: .snooze(snooze(expected)))
                    return nil
                }
                state.nextWaiter += 1
                host.waiters.append((state.nextWaiter, answer))
                return state.nextWaiter
            }
            guard let waiter else { return }
            Task { [maxWait] in
                try? await Task.sleep(for: maxWait)
                self.giveUp(receiver, waiter: waiter)
            }
        }
    }

    /// Frees `receiver`'s slot after a delivery that took `duration`: the oldest waiter gets it. True when nobody was
    /// waiting here, deliveries were sent back to the queue and the receiver answered in time: wake one of them.
    @discardableResult
    package func release(_ receiver: String, after duration: Duration) -> Bool {
        let (waiter, wake) = state.withLock { state -> (CheckedContinuation<Admission, Never>?, Bool) in
            guard var host = state.receivers[receiver] else { return (nil, false) }
            host.pace = host.pace.map { $0 * 0.8 + duration * 0.2 } ?? duration
            host.lastFree = .now
            defer { state.receivers[receiver] = host }
            if !host.waiters.isEmpty { return (host.waiters.removeFirst().answer, false) }
            host.inFlight -= 1
            // A receiver that answers gets its backlog woken; one whose deliveries run into the timeout does not (its
            // backlog comes back on its own time instead of keeping all its slots, and the dispatcher's, hanging).
            guard host.parked > 0, duration < longest / 2 else { return (nil, false) }
            host.parked -= 1
            return (nil, true)
        }
        waiter?.resume(returning: .granted)
        return wake
    }

    /// Deliveries waiting here for one of `receiver`'s slots.
    package func waiting(for receiver: String) -> Int {
        state.withLock { $0.receivers[receiver]?.waiters.count ?? 0 }
    }

    /// The waiter `id` is snoozed after all, unless it was handed a slot meanwhile.
    private func giveUp(_ receiver: String, waiter id: Int) {
        let given = state.withLock { state -> (CheckedContinuation<Admission, Never>, Duration)? in
            guard let host = state.receivers[receiver], let index = host.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            state.receivers[receiver]?.waiters.remove(at: index)
            state.receivers[receiver]?.parked += 1
            return (host.waiters[index].answer, snooze(expectedWait(host, now: .now)))
        }
        if let (waiter, delay) = given { waiter.resume(returning: .snooze(delay)) }
    }

    /// How long until a slot of a full receiver frees: its pace, or how long it has been full if that is longer. A
    /// receiver none of whose deliveries has ended yet has shown no pace: it may be hanging, so it counts as the slowest
    /// (its deliveries sent back are woken one per freed slot if it is not).
    private func expectedWait(_ host: Receiver, now: ContinuousClock.Instant) -> Duration {
        guard let pace = host.pace else { return longest }
        return max(pace, now - host.lastFree)
    }

    /// Between one and two times the expected wait, at least a second and at most twice the longest delivery.
    private func snooze(_ expected: Duration) -> Duration {
        min(max(expected, .seconds(1)), longest) * Double.random(in: 1...2)
    }
}
