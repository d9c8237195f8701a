import Catalog
import Foundation
import Generations
import Hummingbird
import PublicAPI
import ServiceKit
import WireFormat

/// The user's account webhook: where `budget.threshold` events are posted (`/v1/account/webhook`).
struct AccountRoutes: Sendable {
    let alerts: BudgetAlertStore
    let auth: UserAuthenticator
    /// Development origins a webhook may name besides public https hosts (`WEBHOOK_ALLOWED_ORIGINS`).
    let webhookOrigins: Set<String>

    func add(to router: Router<BasicRequestContext>) {
        router.get("v1/account/webhook") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            guard let webhook = try await alerts.webhook(of: user) else { throw Self.none }
            return try JSONCoding.response(webhook)
        }
        router.put("v1/account/webhook") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            // As large as a create's body: a URL of 2,048 characters may take up to 12 bytes each as JSON escapes.
            let body = try await request.decodeJSON(JSONValue.self, limit: RequestLimits.createBodyBytes)
            guard case .object(let fields) = body else { throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object") }
            if let field = fields.keys.filter({ $0 != "url" }).sorted().first {
                throw Problem.validation([.init(field: field, message: "is not a field of the account webhook (only url)")])
            }
            guard let url = fields["url"]?.string else {
                throw Problem.validation([.init(field: "url", message: "is required: where budget.threshold events are posted")])
            }
            if url.unicodeScalars.count > 2048 { throw Problem.validation([.init(field: "url", message: "must be at most 2048 characters")]) }
            if let problem = WebhookTarget.problem(url, allowedOrigins: webhookOrigins) {
                throw Problem.validation([.init(field: "url", message: problem)])
            }
            return try JSONCoding.response(try await alerts.setWebhook(url, for: user))
        }
        router.delete("v1/account/webhook") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            guard try await alerts.deleteWebhook(of: user) else { throw Self.none }
            return Response(status: .noContent)
        }
    }

    private static let none = Problem(.notFound, detail: "No account webhook is set: PUT /v1/account/webhook with its url")
}
