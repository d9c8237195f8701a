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

/// The body of every webhook the notifier posts: its subject as the API shows it (a generation as
/// `GET /v1/generations/{id}`, a batch as `GET /v1/batches/{id}`), with the event's `type` (`generation.start`,
/// `generation.progress`, `generation.completed`, `batch.completed`) and `timestamp` beside its fields.
package struct WebhookEvent<Subject: Codable & Sendable & Equatable>: Sendable, Codable, Equatable {
    package var type: String
    package var timestamp: Date
    package var subject: Subject

    package init(type: String, timestamp: Date, subject: Subject) {
        self.type = type
        self.timestamp = timestamp
        self.subject = subject
    }

    package init(from decoder: any Decoder) throws {
        subject = try Subject(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        type = try container.decode(String.self, forKey: .type)
        timestamp = try container.decode(Date.self, forKey: .timestamp)
    }

    package func encode(to encoder: any Encoder) throws {
        try subject.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(type, forKey: .type)
        try container.encode(timestamp, forKey: .timestamp)
    }
    enum Keys: String, CodingKey { case type, timestamp }
}
