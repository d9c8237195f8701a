import Foundation
import JobQueue
import PostgresNIO
import PublicAPI
import WireFormat

/// A user's webhook signing secrets: the current one, and the one it replaced while that still signs beside it.
package struct WebhookSecrets: Sendable, Equatable {
    package var current: String
    package var previous: String?
    package var previousUntil: Date?

    /// The secrets that sign now.
    package var signing: [String] { [current] + (previousUntil.map { $0 > Date() } == true ? previous.map { [$0] } ?? [] : []) }
}

extension GenerationStore {
    /// `userID`'s signing secrets, made with `candidate` as the first secret when the user has none yet.
    package func webhookSecrets(for userID: UUID, candidate: String) async throws -> WebhookSecrets {
        guard let secrets = try await webhookSecrets(for: [userID], candidate: { candidate })[userID] else {
            throw GenerationStoreError.noWebhookSecret
        }
        return secrets
    }

    /// The signing secrets of `users`, in one statement: a user who has none yet gets one made by `candidate`.
    package func webhookSecrets(for users: [UUID], candidate: () -> String) async throws -> [UUID: WebhookSecrets] {
        var found: [UUID: WebhookSecrets] = [:]
        var missing = Array(Set(users))
        // A concurrent first secret committed after this statement's snapshot leaves it no row: read again.
        for _ in 0..<2 where !missing.isEmpty {
            let rows = try await client.query(
                """
                WITH made AS (
                    INSERT INTO webhook_secrets (user_id, secret) SELECT * FROM unnest(\(missing)::uuid[], \(missing.map { _ in candidate() })::text[])
                    ON CONFLICT (user_id) DO NOTHING
                    RETURNING user_id, secret, previous_secret, previous_until
                )
                SELECT * FROM made
                UNION ALL
                SELECT user_id, secret, previous_secret, previous_until FROM webhook_secrets
                WHERE user_id = ANY(\(missing)) AND user_id NOT IN (SELECT user_id FROM made)
                """,
                logger: logger
            )
            for try await (user, current, previous, until) in rows.decode((UUID, String, String?, Date?).self) {
                found[user] = WebhookSecrets(current: current, previous: previous, previousUntil: until)
            }
            missing.removeAll { found[$0] != nil }
        }
        return found
    }

    /// Replaces `userID`'s secret with `replacement`; the old one keeps signing beside it for 24 hours.
    package func rotateWebhookSecret(for userID: UUID, replacement: String) async throws -> WebhookSecrets {
        guard
            let secrets = try await secrets(
                """
                INSERT INTO webhook_secrets AS s (user_id, secret) VALUES (\(userID), \(replacement))
                ON CONFLICT (user_id) DO UPDATE
                SET previous_secret = s.secret, previous_until = now() + interval '24 hours', secret = EXCLUDED.secret, rotated_at = now()
                RETURNING secret, previous_secret, previous_until
                """
            )
        else { throw GenerationStoreError.noWebhookSecret }
        return secrets
    }

    private func secrets(_ query: PostgresQuery) async throws -> WebhookSecrets? {
        for try await (current, previous, until) in try await client.query(query, logger: logger).decode((String, String?, Date?).self) {
            return WebhookSecrets(current: current, previous: previous, previousUntil: until)
        }
        return nil
    }

    /// Brings the next delivery to `receiver` that waits for later forward to now (one of its slots freed), and wakes
    /// the dispatchers; false when none waits.
    package func wakeDelivery(to receiver: String) async throws -> Bool {
        try await JobQueue(client: client, logger: logger).wakeNext(type: DeliverWebhook.name, receiver: receiver)
    }

    /// Records delivery attempts, each of its generation's or batch's webhook, in one statement (see ``Batcher``).
    package func recordDeliveries(_ attempts: [(WebhookDeliveryAttempt, subject: WebhookSubject)]) async throws {
        let rows = try JSONCoding.encoder().encode(attempts.map { RecordedAttempt(subject: $0.subject, attempt: $0.0) })
        try await client.query(
            """
            INSERT INTO webhook_deliveries
                (generation_id, batch_id, account_user_id, webhook_id, event, attempt, attempted_at, status_code, duration_ms, error,
                 next_attempt_at)
            SELECT generation_id, batch_id, account_user_id, webhook_id, event, attempt, attempted_at, status_code, duration_ms, error,
                next_attempt_at
            FROM jsonb_to_recordset(\(String(decoding: rows, as: UTF8.self))::jsonb) AS r(
                generation_id uuid, batch_id uuid, account_user_id uuid, webhook_id text, event text, attempt integer, attempted_at timestamptz,
                status_code integer, duration_ms integer, error text, next_attempt_at timestamptz
            )
            """,
            logger: logger
        )
    }

    /// Stops batch `id`'s webhook (its receiver answered 410).
    package func disableBatchWebhook(of id: UUID) async throws {
        try await client.query("UPDATE batches SET webhook = NULL WHERE id = \(id)", logger: logger)
    }

    /// The delivery attempts of generation `id`'s webhooks, oldest first; nil when it is not `userID`'s.
    package func webhookDeliveries(of id: UUID, userID: UUID) async throws -> [WebhookDeliveryAttempt]? {
        guard try await find(id, userID: userID) != nil else { return nil }
        let rows = try await client.query(
            """
            SELECT webhook_id, event, attempt, attempted_at, status_code, duration_ms, error, next_attempt_at
            FROM webhook_deliveries WHERE generation_id = \(id) ORDER BY id
            """,
            logger: logger
        )
        var attempts: [WebhookDeliveryAttempt] = []
        for try await (webhookID, event, attempt, at, status, duration, error, next) in rows.decode(
            (String, String, Int, Date, Int?, Int, String?, Date?).self
        ) {
            attempts.append(
                .init(
                    webhookId: webhookID, event: event, attempt: attempt, attemptedAt: at, statusCode: status, durationMs: duration, error: error,
                    nextAttemptAt: next
                ))
        }
        return attempts
    }

    /// Stops generation `id`'s webhooks (its receiver answered 410): no new event is enqueued, pending ones are cancelled.
    package func disableWebhook(of id: UUID) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                "UPDATE image_generations SET webhook_disabled_at = now() WHERE id = \(id) AND webhook_disabled_at IS NULL", logger: logger
            )
            try await JobQueue.cancelPending(
                type: DeliverWebhook.name, payload: "generation_id", equals: id.lowercase, on: connection, logger: logger)
        }
    }

    /// What delivering webhooks of the generations `ids` needs, by generation, in a round trip or two (the generations with
    /// their users' secrets; the images of those completed; secrets made with `candidate` for users who have none yet).
    /// A generation that does not exist is missing.
    package func webhookDeliveryContexts(of ids: [UUID], candidate: () -> String) async throws -> [UUID: WebhookDeliveryContext] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Generation.columns), webhook_disabled_at IS NOT NULL AS disabled,
                   s.secret, s.previous_secret, s.previous_until
            FROM image_generations g LEFT JOIN webhook_secrets s USING (user_id)
            WHERE g.id = ANY(\(ids))
            """,
            logger: logger
        )
        var found: [(Generation, disabled: Bool)] = []
        var secrets: [UUID: WebhookSecrets] = [:]
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let generation = try Generation(row: row)
            found.append((generation, try columns["disabled"].decode(Bool.self)))
            if let current = try columns["secret"].decode(String?.self) {
                secrets[generation.userId] = WebhookSecrets(
                    current: current, previous: try columns["previous_secret"].decode(String?.self),
                    previousUntil: try columns["previous_until"].decode(Date?.self)
                )
            }
        }
        // Users' first deliveries: their secrets are made here, all in one more statement.
        let newcomers = found.map(\.0.userId).filter { secrets[$0] == nil }
        if !newcomers.isEmpty { secrets.merge(try await webhookSecrets(for: newcomers, candidate: candidate)) { old, _ in old } }
        var contexts: [UUID: WebhookDeliveryContext] = [:]
        for (generation, disabled) in found {
            guard let signing = secrets[generation.userId] else { throw GenerationStoreError.noWebhookSecret }
            contexts[generation.id] = WebhookDeliveryContext(generation: generation, disabled: disabled, secrets: signing, images: [])
        }
        let completed = contexts.values.filter { $0.generation.status == .completed }.map(\.generation.id)
        for (id, images) in try await images(of: completed) { contexts[id]?.images = images }
        return contexts
    }
}

/// What delivering a webhook of one generation needs.
package struct WebhookDeliveryContext: Sendable {
    package var generation: Generation
    /// Its receiver answered 410 Gone: no more webhooks for it.
    package var disabled: Bool
    /// Its user's signing secrets.
    package var secrets: WebhookSecrets
    /// Its stored images, when it completed.
    package var images: [StoredImage]
}

/// What a webhook delivery is of.
package enum WebhookSubject: Sendable, Hashable {
    case generation(UUID)
    case batch(UUID)
    /// A user's account event (`budget.threshold`), by the user's id.
    case account(UUID)
}

/// An attempt as one row of ``GenerationStore/recordDeliveries(_:)``'s JSON: its fields and its subject's id.
private struct RecordedAttempt: Encodable {
    var subject: WebhookSubject
    var attempt: WebhookDeliveryAttempt

    func encode(to encoder: any Encoder) throws {
        try attempt.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        switch subject {
        case .generation(let id): try container.encode(id, forKey: .generationId)
        case .batch(let id): try container.encode(id, forKey: .batchId)
        case .account(let id): try container.encode(id, forKey: .accountUserId)
        }
    }
    enum Keys: String, CodingKey { case generationId, batchId, accountUserId }
}

extension WebhookSecrets {
    /// A new signing secret: `whsec_` and 32 random bytes in base64, as the Standard Webhooks specification has it.
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }
}
