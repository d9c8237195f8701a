import Foundation

/// One attempt to deliver a webhook, as `GET /v1/generations/{id}/webhook-deliveries` lists it.
package struct WebhookDeliveryAttempt: Sendable, Codable, Equatable {
    package var webhookId: String
    package var event: String
    package var attempt: Int
    package var attemptedAt: Date
    /// The receiver's HTTP status; absent when it gave none (refused, timed out).
    package var statusCode: Int?
    package var durationMs: Int
    package var error: String?
    /// When the next attempt is due; absent when none will follow.
    package var nextAttemptAt: Date?

    package init(
        webhookId: String, event: String, attempt: Int, attemptedAt: Date = Date(), statusCode: Int?, durationMs: Int, error: String?,
        nextAttemptAt: Date?
    ) {
        self.webhookId = webhookId
        self.event = event
        self.attempt = attempt
        self.attemptedAt = attemptedAt
        self.statusCode = statusCode
        self.durationMs = durationMs
        self.error = error
        self.nextAttemptAt = nextAttemptAt
    }
}

/// `GET /v1/generations/{id}/webhook-deliveries`.
package struct WebhookDeliveryList: Sendable, Codable, Equatable {
    package var data: [WebhookDeliveryAttempt]

    package init(data: [WebhookDeliveryAttempt]) { self.data = data }
}

/// `GET /v1/webhook-secret` (and its rotation): the secret that signs the user's webhooks.
package struct WebhookSecretBody: Sendable, Codable, Equatable {
    /// `whsec_` and base64: verify webhooks with it (any Standard Webhooks library).
    package var secret: String
    /// After a rotation, the old secret signs beside the new one until then.
    package var previousSecretValidUntil: Date?

    package init(secret: String, previousSecretValidUntil: Date?) {
        self.secret = secret
        self.previousSecretValidUntil = previousSecretValidUntil
    }
}

/// The body of every webhook the notifier posts: the generation as `GET /v1/generations/{id}` shows it, with the event's
/// `type` (`generation.start`, `generation.progress`, `generation.completed`) and `timestamp` beside its fields.
package struct WebhookEventBody: Sendable, Codable, Equatable {
    package var type: String
    package var timestamp: Date
    package var generation: GenerationBody

    package init(type: String, timestamp: Date, generation: GenerationBody) {
        self.type = type
        self.timestamp = timestamp
        self.generation = generation
    }

    package init(from decoder: any Decoder) throws {
        generation = try GenerationBody(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        type = try container.decode(String.self, forKey: .type)
        timestamp = try container.decode(Date.self, forKey: .timestamp)
    }

    package func encode(to encoder: any Encoder) throws {
        try generation.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(type, forKey: .type)
        try container.encode(timestamp, forKey: .timestamp)
    }
    enum Keys: String, CodingKey { case type, timestamp }
}
