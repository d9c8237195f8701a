/// Exponential backoff with full jitter over the upper half: attempt n waits in [base·2^(n-1)/2, base·2^(n-1)], capped.
package struct Backoff: Sendable {
    package var base: Duration
    package var cap: Duration

    package init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = cap
    }

    /// The wait before retrying after failed attempt `attempt` (1-based), at least `retryAfter` when the callee asked for it.
    package func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(base * (1 << exponent), cap)
        let jittered = full / 2 + full / 2 * Double.random(in: 0...1)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, cap))
    }
}
