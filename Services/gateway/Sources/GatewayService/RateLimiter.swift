import Foundation
import Generations
import HTTPTypes
import ServiceKit

/// A token bucket per user: `perMinute` generation requests a minute, bursts up to the same number, kept in PostgreSQL
/// (``RateBuckets``) so the rate is the same with one gateway or twenty.
package struct RateLimiter: Sendable {
    private let perMinute: Int
    private let buckets: RateBuckets

    package init(perMinute: Int, buckets: RateBuckets) {
        self.perMinute = perMinute
        self.buckets = buckets
    }

    /// Takes one token for `user`, or throws 429 with the seconds until the next one.
    package func take(_ user: UUID) async throws {
        let (taken, tokens) = try await buckets.take("user:\(user.uuidString.lowercased())", perMinute: perMinute)
        guard !taken else { return }
        let seconds = max(1, Int(((1 - tokens) * 60 / Double(perMinute)).rounded(.up)))
        var problem = Problem(.tooManyRequests, detail: "More than \(perMinute) generation requests a minute", retryAfterSeconds: seconds)
        // The IETF draft's names, beside Retry-After.
        problem.headers = [
            HTTPField.Name("RateLimit-Limit")!: String(perMinute), HTTPField.Name("RateLimit-Remaining")!: "0",
            HTTPField.Name("RateLimit-Reset")!: String(seconds),
        ]
        throw problem
    }
}
