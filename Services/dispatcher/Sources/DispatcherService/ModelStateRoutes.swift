import Catalog
import Foundation
import Generations
import Hummingbird
import Logging
import PublicAPI
import ServiceKit
import WireFormat

/// The admin API's catalog overrides: `POST /v1/admin/models/disable` (`{"model", "reason", "by"}`) and `/enable`
/// (`{"model", "by"}`), `/price` (`{"model", "usd"}`), `/version` (`{"model", "version"}`),
/// `POST /v1/admin/aliases/weights` (`{"alias", "weights"}`), and `GET /v1/admin/models` (what is overridden, and the
/// latest changes). Every gateway applies a change within a second or two; generations already made run as before.
func addModelStateRoutes(to admin: RouterGroup<BasicRequestContext>, states: ModelStateStore, logger: Logger) {
    /// The body's model (a catalog id), reason (required when `needsReason`) and who, checked; a 422 naming each bad field.
    @Sendable func change(_ request: Request, needsReason: Bool) async throws -> (String, String?, String, [String: JSONValue]) {
        guard case .object(let body) = try await request.decodeJSON(JSONValue.self, limit: 4096) else {
            throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object")
        }
        var errors: [Problem.FieldError] = []
        let model = body["model"]?.string
        if let model {
            if ModelCatalog.model(model) == nil { errors.append(.init(field: "model", message: "must be a catalog model id, got '\(model)'")) }
        } else {
            errors.append(.init(field: "model", message: "is required: a catalog model id"))
        }
        let reason = body["reason"]?.string?.trimmingCharacters(in: .whitespacesAndNewlines)
        if needsReason, !(1...200).contains(reason?.count ?? 0) {
            errors.append(.init(field: "reason", message: "is required: 1 to 200 characters users will read"))
        } else if let reason, reason.count > 200 {
            errors.append(.init(field: "reason", message: "must be at most 200 characters"))
        }
        let actor = body["by"]?.string?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "admin"
        if !(1...100).contains(actor.count) { errors.append(.init(field: "by", message: "must be 1 to 100 characters")) }
        guard errors.isEmpty, let model else { throw Problem.validation(errors) }
        return (model, reason, actor, body)
    }
    admin.get("models") { _, _ in
        try JSONCoding.response(try await states.report())
    }
    admin.post("models/disable") { request, _ in
        let (model, reason, actor, _) = try await change(request, needsReason: true)
        let recorded = try await states.disable(model, reason: reason ?? "", by: actor)
        logger.notice("Admin disabled a model", metadata: ["model": "\(model)", "reason": "\(reason ?? "")", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
    admin.post("models/price") { request, _ in
        // `{"model", "usd": number or null, "reason", "by"}`: the unit price in the model's catalog unit; null resets.
        let (model, reason, actor, body) = try await change(request, needsReason: false)
        guard let unit = ModelCatalog.model(model)?.pricing else {
            throw Problem.validation([.init(field: "model", message: "\(model) has no known price to override: its costs stay unknown")])
        }
        let usd = body["usd"]?.number
        guard body["usd"] == .null || usd.map({ $0 >= 0 && $0 < 1_000_000 }) == true else {
            throw Problem.validation([.init(field: "usd", message: "is required: US dollars per unit from 0 to 999999, or null for the catalog's")])
        }
        let recorded = try await states.setPrice(model, usd: usd, reason: reason, by: actor)
        logger.notice(
            "Admin set a model's price",
            metadata: ["model": "\(model)", "usd": "\(usd.map { "\($0)" } ?? "catalog (\(unit.usd))")", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
    admin.post("models/version") { request, _ in
        // `{"model", "version": 64 hex or null, "reason", "by"}`: the version a community model's new generations run.
        let (model, reason, actor, body) = try await change(request, needsReason: false)
        guard ModelCatalog.model(model)?.isOfficial == false else {
            throw Problem.validation([.init(field: "model", message: "\(model) is an official model: it always runs its latest version")])
        }
        let version = body["version"]?.string
        guard body["version"] == .null || version.map({ $0.count == 64 && $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }) == true else {
            throw Problem.validation([
                .init(field: "version", message: "is required: a version id (64 lowercase hex characters), or null for the catalog's")
            ])
        }
        let recorded = try await states.setVersion(model, version: version, reason: reason, by: actor)
        logger.notice("Admin set a model's version", metadata: ["model": "\(model)", "version": "\(version ?? "catalog")", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
    admin.post("aliases/weights") { request, _ in
        // `{"alias", "weights": {"model": weight, …} or null, "reason", "by"}`: each named variant's weight; null resets.
        struct Weights: Decodable {
            var alias: String?
            var weights: [String: Int]?
            var reason: String?
            var by: String?
        }
        let body = try await request.decodeJSON(Weights.self, limit: 4096)
        var errors: [Problem.FieldError] = []
        let alias = body.alias.flatMap(ModelAlias.named)
        if alias == nil {
            errors.append(
                .init(field: "alias", message: "must be one of \(ModelAlias.all.map(\.name).joined(separator: ", ")), got '\(body.alias ?? "")'"))
        }
        if let alias, let weights = body.weights {
            let variants = Set(alias.variants.map(\.modelID))
            for model in weights.keys.sorted() where !variants.contains(model) {
                errors.append(
                    .init(field: "weights", message: "\(model) is not a variant of \(alias.name) (\(variants.sorted().joined(separator: ", ")))"))
            }
            if weights.values.contains(where: { !(0...1_000_000).contains($0) }) {
                errors.append(.init(field: "weights", message: "each weight must be an integer from 0 to 1000000"))
            }
            if alias.variants.map({ weights[$0.modelID] ?? $0.weight }).reduce(0, +) == 0 {
                errors.append(.init(field: "weights", message: "must leave at least one variant a weight above 0"))
            }
        }
        let actor = body.by?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "admin"
        if !(1...100).contains(actor.count) { errors.append(.init(field: "by", message: "must be 1 to 100 characters")) }
        guard errors.isEmpty, let alias else { throw Problem.validation(errors) }
        let recorded = try await states.setWeights(alias.name, weights: body.weights, reason: body.reason, by: actor)
        logger.notice(
            "Admin set an alias's weights", metadata: ["alias": "\(alias.name)", "weights": "\(recorded.value ?? "catalog")", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
    admin.post("models/enable") { request, _ in
        let (model, _, actor, _) = try await change(request, needsReason: false)
        guard let recorded = try await states.enable(model, by: actor) else { throw Problem.notFound("A disabled model \(model)") }
        logger.notice("Admin enabled a model", metadata: ["model": "\(model)", "by": "\(actor)"])
        return try JSONCoding.response(recorded)
    }
}
