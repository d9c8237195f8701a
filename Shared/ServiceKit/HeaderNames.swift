import HTTPTypes

extension HTTPField.Name {
    /// `Prefer` (RFC 7240), for `wait=N`.
    package static let prefer = Self("Prefer")!
    /// `Preference-Applied`, echoing the honoured preference.
    package static let preferenceApplied = Self("Preference-Applied")!
    /// `Idempotency-Key` on POST /v1/generations.
    package static let idempotencyKey = Self("Idempotency-Key")!
    /// Replicate's remaining requests in the current window (the simulator sends it).
    package static let rateLimitRemaining = Self("ratelimit-remaining")!
    /// Seconds until Replicate's rate-limit window resets (the simulator sends it).
    package static let rateLimitReset = Self("ratelimit-reset")!
    /// `Last-Event-ID` on SSE reconnects.
    package static let lastEventID = Self("Last-Event-ID")!
    /// `Referrer-Policy`, on stored files.
    package static let referrerPolicy = Self("Referrer-Policy")!
    /// Standard Webhooks' message id, on Replicate's webhooks.
    package static let webhookID = Self("webhook-id")!
    /// Standard Webhooks' Unix timestamp (seconds).
    package static let webhookTimestamp = Self("webhook-timestamp")!
    /// Standard Webhooks' signatures (`v1,<base64>`, space-separated).
    package static let webhookSignature = Self("webhook-signature")!
}
