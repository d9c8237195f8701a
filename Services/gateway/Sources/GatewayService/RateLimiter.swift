import Foundation
import HTTPTypes
import ServiceKit
import Synchronization

/// A token bucket per user: `perMinute` generation requests a minute, bursts up to the same number. Per gateway
/// instance (replicas each allow the rate; the concurrent-generation cap in the database is the global guard).
package final class RateLimiter: Sendable {
    private let perMinute: Double
    private let buckets = Mutex<[UUID: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    package init(perMinute: Int) {
        self.perMinute = Double(perMinute)
    }

    /// Takes one token for `user`, or throws 429 with the seconds until the next one.
    package func take(_ user: UUID) throws(Problem) {
        let now = ContinuousClock.now
        let wait: Double? = buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { now - $0.value.at < .seconds(60) } }
            var bucket = buckets[user] ?? (perMinute, now)
            let elapsed = now - bucket.at
            let refill = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * perMinute / 60
            bucket = (min(perMinute, bucket.tokens + refill), now)
            guard bucket.tokens >= 1 else {
                buckets[user] = bucket
                return (1 - bucket.tokens) * 60 / perMinute
            }
            bucket.tokens -= 1
            buckets[user] = bucket
            return nil
        }
        if let wait {
            let seconds = max(1, Int(wait.rounded(.up)))
            var problem = Problem(.tooManyRequests, detail: "More than \(Int(perMinute)) generation requests a minute", retryAfterSeconds: seconds)
            // The IETF draft's names, beside Retry-After.
            problem.headers = [
                HTTPField.Name("RateLimit-Limit")!: String(Int(perMinute)), HTTPField.Name("RateLimit-Remaining")!: "0",
                HTTPField.Name("RateLimit-Reset")!: String(seconds),
            ]
            throw problem
        }
    }
}
