import Catalog
import Foundation
import Generations
import Hummingbird
import Logging
import PublicAPI
import ServiceKit
import WireFormat

/// The admin API's model states: `POST /v1/admin/models/disable` (`{"model", "reason", "by"}`) and `/enable`
/// (`{"model", "by"}`), `GET /v1/admin/models` (what is disabled, and the latest changes). Every gateway refuses a
/// disabled model within a second or two; generations already made run as before.
func addModelStateRoutes(to admin: RouterGroup<BasicRequestContext>, states: ModelStateStore, logger: Logger) {
    struct Change: Decodable {
        var model: String?
        var reason: String?
        var by: String?
    }
    /// The model (a catalog id), the reason (when `needsReason`) and who, checked; a 422 naming each bad field.
    @Sendable func change(_ request: Request, needsReason: Bool) async throws -> (String, String?, String) {
        let body = try await request.decodeJSON(Change.self, limit: 4096)
        var errors: [Problem.FieldError] = []
        if let model = body.model {
            if ModelCatalog.model(model) == nil { errors.append(.init(field: "model", message: "must be a catalog model id, got '\(model)'")) }
        } else {
            errors.append(.init(field: "model", message: "is required"))
        }
        let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if needsReason, !(1...200).contains(reason?.count ?? 0) {
            errors.append(.init(field: "reason", message: "is required: 1 to 200 characters users will read"))
        }
        let actor = body.by?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "admin"
        if !(1...100).contains(actor.count) { errors.append(.init(field: "by", message: "must be 1 to 100 characters")) }
        guard errors.isEmpty, let model = body.model else { throw Problem.validation(errors) }
        return (model, reason, actor)
    }
    admin.get("models") { _, _ in
        try JSONCoding.response(try await states.report())
    }
    admin.post("models/disable") { request, _ in
        let (model, reason, actor) = try await change(request, needsReason: true)
        let recorded = try await states.disable(model, reason: reason ?? "", by: actor)
        logger.notice("Admin disabled a model", metadata: ["model": "\(model)", "reason": "\(reason ?? "")", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
    admin.post("models/enable") { request, _ in
        let (model, _, actor) = try await change(request, needsReason: false)
        guard let recorded = try await states.enable(model, by: actor) else { throw Problem.notFound("A disabled model \(model)") }
        logger.notice("Admin enabled a model", metadata: ["model": "\(model)", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
}
