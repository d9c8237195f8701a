import Foundation
import Logging
import PostgresNIO
import PublicAPI

/// Spend alerts: each user's account webhook (`account_webhooks`), the budget thresholds their spend crossed this month
/// (`budget_alerts`, once each), and the whole account's spend.
package struct BudgetAlertStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    /// The shares of a monthly budget that raise a `budget.threshold` event, in percent.
    package static let thresholds = [50, 80, 100]

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Records every threshold a user's spend this month has reached that was not recorded yet, against the user's own
    /// budget or `defaultBudget`, and every threshold a project's spend reached of the project's budget (recorded, and
    /// posted, as its own user's: the project's id; that user's own spend raises nothing else), and enqueues a `deliver-webhook` job for each one whose user has an account webhook;
    /// one statement. However many gateways run it at once, each crossing is recorded, and posted, once (the table's
    /// primary key). Returns the crossings it recorded.
    @discardableResult
    package func raiseCrossed(defaultBudget: Double?) async throws -> Int {
        let rows = try await client.query(
            """
            WITH crossed AS (
                INSERT INTO budget_alerts (user_id, month, threshold, budget_usd, spent_usd)
                SELECT b.user_id, b.month, t.threshold, b.usd, b.spent
                FROM (
                    SELECT s.user_id, s.spent_month AS month, coalesce(s.monthly_budget_usd, \(defaultBudget)::float8::numeric) AS usd,
                           s.spent_usd AS spent
                    FROM generation_slots s WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = s.user_id)
                    UNION ALL
                    SELECT ps.project_id, ps.spent_month, p.monthly_budget_usd, ps.spent_usd
                    FROM project_slots ps JOIN projects p ON p.id = ps.project_id
                ) b
                CROSS JOIN unnest(\(Self.thresholds)::int4[]) AS t(threshold)
                WHERE b.month = imagegen_budget_month(now()) AND b.usd > 0 AND b.spent * 100 >= b.usd * t.threshold
                ON CONFLICT DO NOTHING
                RETURNING user_id, month, threshold
            ),
            posted AS (
                SELECT job_queue_enqueue(
                    'deliver-webhook',
                    jsonb_build_object(
                        'user_id', c.user_id, 'event', 'budget.threshold', 'month', to_char(c.month, 'YYYY-MM'), 'threshold', c.threshold,
                        'receiver', substring(w.url from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+')),
                    'webhook:budget:' || c.user_id || ':' || to_char(c.month, 'YYYY-MM') || ':' || c.threshold,
                    22,
                    job_queue_live_for_receiver('deliver-webhook', substring(w.url from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+'), 64)
                )::text AS done
                FROM crossed c JOIN account_webhooks w USING (user_id)
            )
            SELECT (SELECT count(*) FROM crossed)::int8, (SELECT count(done) FROM posted)::int8
            """,
            logger: logger
        )
        for try await (crossed, posted) in rows.decode((Int, Int).self) {
            if crossed > 0 { logger.info("Budget thresholds crossed", metadata: ["crossed": "\(crossed)", "posted": "\(posted)"]) }
            return crossed
        }
        return 0
    }

    /// A recorded crossing as its `budget.threshold` event shows it, with the webhook it goes to; nil when the user has no
    /// account webhook now, or the crossing is not recorded.
    package func event(user: UUID, month: String, threshold: Int) async throws -> (body: BudgetThresholdBody, url: String)? {
        let rows = try await client.query(
            """
            SELECT w.url, a.budget_usd::float8, a.spent_usd::float8, a.crossed_at, p.id
            FROM budget_alerts a JOIN account_webhooks w USING (user_id) LEFT JOIN projects p ON p.id = a.user_id
            WHERE a.user_id = \(user) AND a.month = to_date(\(month), 'YYYY-MM') AND a.threshold = \(threshold)
            """,
            logger: logger
        )
        for try await (url, budget, spent, at, project) in rows.decode((String, Double, Double, Date, UUID?).self) {
            let body = BudgetThresholdBody(
                userId: user, month: month, thresholdPercent: threshold, budgetUsd: budget, spentUsd: spent, crossedAt: at, projectId: project)
            return (body, url)
        }
        return nil
    }

    /// Sets where `user`'s account events are posted.
    package func setWebhook(_ url: String, for user: UUID) async throws -> AccountWebhookBody {
        try await client.query(
            """
            INSERT INTO account_webhooks (user_id, url) VALUES (\(user), \(url))
            ON CONFLICT (user_id) DO UPDATE SET url = EXCLUDED.url, updated_at = now()
            """,
            logger: logger
        )
        guard let body = try await webhook(of: user) else { throw BudgetAlertStoreError.webhookVanished }
        return body
    }

    /// `user`'s account webhook with its latest 20 delivery attempts (newest first); nil when none is set.
    package func webhook(of user: UUID) async throws -> AccountWebhookBody? {
        let rows = try await client.query("SELECT url, updated_at FROM account_webhooks WHERE user_id = \(user)", logger: logger)
        var found: (String, Date)?
        for try await row in rows.decode((String, Date).self) { found = row }
        guard let (url, updatedAt) = found else { return nil }
        let attempts = try await client.query(
            """
            SELECT webhook_id, event, attempt, attempted_at, status_code, duration_ms, error, next_attempt_at
            FROM webhook_deliveries WHERE account_user_id = \(user) ORDER BY id DESC LIMIT 20
            """,
            logger: logger
        )
        var deliveries: [WebhookDeliveryAttempt] = []
        for try await (webhookID, event, attempt, at, status, duration, error, next) in attempts.decode(
            (String, String, Int, Date, Int?, Int, String?, Date?).self
        ) {
            deliveries.append(
                .init(
                    webhookId: webhookID, event: event, attempt: attempt, attemptedAt: at, statusCode: status, durationMs: duration, error: error,
                    nextAttemptAt: next))
        }
        return AccountWebhookBody(url: url, updatedAt: updatedAt, deliveries: deliveries)
    }

    /// Removes `user`'s account webhook (the user did, or its receiver answered 410); whether there was one.
    @discardableResult
    package func deleteWebhook(of user: UUID) async throws -> Bool {
        let rows = try await client.query("DELETE FROM account_webhooks WHERE user_id = \(user) RETURNING 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The whole account's spend this month and what running generations reserve, over every user.
    package func accountSpend() async throws -> (spent: Double, reserved: Double) {
        let rows = try await client.query(
            """
            SELECT coalesce(sum(spent_usd) FILTER (WHERE spent_month = imagegen_budget_month(now())), 0)::float8,
                   coalesce(sum(reserved_usd), 0)::float8
            FROM generation_slots
            """,
            logger: logger
        )
        for try await row in rows.decode((Double, Double).self) { return row }
        return (0, 0)
    }
}

package enum BudgetAlertStoreError: Error {
    /// The webhook just set was deleted before it could be read back.
    case webhookVanished
}
