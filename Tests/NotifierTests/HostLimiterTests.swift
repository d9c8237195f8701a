import NotifierService
import Testing

@Suite("Per-receiver delivery slots")
struct HostLimiterTests {
    let receiver = "https://hooks.example.com:443"

    @Test("a quick receiver's full slots are waited for and handed over in arrival order")
    func quickReceiverIsWaitedFor() async throws {
        let limiter = HostLimiter(limit: 2, longest: .seconds(10), quick: .seconds(60), maxWait: .seconds(60))
        #expect(await limiter.admit(receiver) == .granted)
        #expect(await limiter.admit(receiver) == .granted)
        let first = Task { await limiter.admit(receiver) }
        try await waitUntil { limiter.waiting(for: receiver) == 1 }
        let second = Task { await limiter.admit(receiver) }
        try await waitUntil { limiter.waiting(for: receiver) == 2 }

        limiter.release(receiver, after: .milliseconds(5))
        #expect(await first.value == .granted)
        #expect(limiter.waiting(for: receiver) == 1)
        limiter.release(receiver, after: .milliseconds(5))
        #expect(await second.value == .granted)
        // The slots stayed taken through both hand-overs: one more delivery still finds them busy.
        let third = Task { await limiter.admit(receiver) }
        try await waitUntil { limiter.waiting(for: receiver) == 1 }
        limiter.release(receiver, after: .milliseconds(5))
        #expect(await third.value == .granted)
        limiter.release(receiver, after: .milliseconds(5))
        #expect(await limiter.admit(receiver) == .granted)
        #expect(limiter.waiting(for: receiver) == 0)
    }

    @Test("a slow receiver's deliveries go back to the queue for about as long as it takes, jittered")
    func slowReceiverSnoozes() async {
        let limiter = HostLimiter(limit: 2, longest: .seconds(10), quick: .milliseconds(200), maxWait: .seconds(60))
        #expect(await limiter.admit(receiver) == .granted)
        #expect(await limiter.admit(receiver) == .granted)
        // One delivery ran into the timeout: the receiver's pace is now 10 s.
        limiter.release(receiver, after: .seconds(10))
        #expect(await limiter.admit(receiver) == .granted)
        for _ in 0..<20 {
            guard case .snooze(let delay) = await limiter.admit(receiver) else {
                Issue.record("a full, slow receiver admitted a delivery")
                return
            }
            #expect(delay >= .seconds(10) && delay <= .seconds(20))
        }
        #expect(limiter.waiting(for: receiver) == 0)
        // Other receivers are not held back by it.
        #expect(await limiter.admit("https://other.example.com:443") == .granted)
    }

    @Test("a receiver none of whose deliveries has ended yet is not waited for: it may be hanging")
    func unprovenReceiverSnoozes() async {
        let limiter = HostLimiter(limit: 1, longest: .seconds(10))
        #expect(await limiter.admit(receiver) == .granted)
        guard case .snooze(let delay) = await limiter.admit(receiver) else {
            Issue.record("a delivery was admitted beyond the limit")
            return
        }
        #expect(delay >= .seconds(10) && delay <= .seconds(20))
        #expect(limiter.waiting(for: receiver) == 0)
    }

    @Test("a slot freed by an answer with nobody waiting wakes one delivery sent back to the queue, once per delivery sent back")
    func freedSlotWakesParked() async throws {
        let limiter = HostLimiter(limit: 1, longest: .seconds(10))
        #expect(await limiter.admit(receiver) == .granted)
        guard case .snooze = await limiter.admit(receiver) else {
            Issue.record("admitted beyond the limit")
            return
        }
        #expect(limiter.release(receiver, after: .milliseconds(5)))
        #expect(await limiter.admit(receiver) == .granted)
        #expect(!limiter.release(receiver, after: .milliseconds(5)))
        // A delivery that ran into the timeout wakes nothing: the receiver is not answering.
        #expect(await limiter.admit(receiver) == .granted)
        guard case .snooze = await limiter.admit(receiver) else {
            Issue.record("admitted beyond the limit")
            return
        }
        #expect(!limiter.release(receiver, after: .seconds(10)))
        // A slot handed to a delivery waiting here wakes nothing.
        let quick = HostLimiter(limit: 1, longest: .seconds(10), quick: .seconds(60), maxWait: .seconds(60))
        #expect(await quick.admit(receiver) == .granted)
        let waiter = Task { await quick.admit(receiver) }
        try await waitUntil { quick.waiting(for: receiver) == 1 }
        #expect(!quick.release(receiver, after: .milliseconds(5)))
        #expect(await waiter.value == .granted)
    }

    @Test("a receiver's pace is remembered while it has nothing in flight, so its next burst is waited for in place")
    func paceIsRemembered() async throws {
        let limiter = HostLimiter(limit: 1, longest: .seconds(10), quick: .milliseconds(500), maxWait: .seconds(60))
        #expect(await limiter.admit(receiver) == .granted)
        limiter.release(receiver, after: .milliseconds(5))
        #expect(await limiter.admit(receiver) == .granted)
        let next = Task { await limiter.admit(receiver) }
        try await waitUntil { limiter.waiting(for: receiver) == 1 }
        limiter.release(receiver, after: .milliseconds(5))
        #expect(await next.value == .granted)
    }

    @Test("a delivery not handed a slot within the longest wait is snoozed, at least a second")
    func waiterGivesUp() async {
        let limiter = HostLimiter(limit: 1, longest: .seconds(10), quick: .seconds(60), maxWait: .milliseconds(20))
        #expect(await limiter.admit(receiver) == .granted)
        guard case .snooze(let delay) = await limiter.admit(receiver) else {
            Issue.record("a delivery got a slot that was never freed")
            return
        }
        #expect(delay >= .seconds(1))
        #expect(limiter.waiting(for: receiver) == 0)
    }

    @Test("no more deliveries wait for a receiver than it has slots")
    func waitersAreBounded() async throws {
        let limiter = HostLimiter(limit: 1, longest: .seconds(10), quick: .seconds(60), maxWait: .seconds(60))
        #expect(await limiter.admit(receiver) == .granted)
        let waiter = Task { await limiter.admit(receiver) }
        try await waitUntil { limiter.waiting(for: receiver) == 1 }
        if case .granted = await limiter.admit(receiver) { Issue.record("a second waiter was let in") }
        limiter.release(receiver, after: .milliseconds(1))
        #expect(await waiter.value == .granted)
    }

    /// Polls `condition` (another task has to reach it), failing after a generous while.
    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }
}
