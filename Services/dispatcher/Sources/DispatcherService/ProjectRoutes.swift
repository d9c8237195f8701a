import Foundation
import Generations
import Hummingbird
import Logging
import PublicAPI
import ServiceKit
import WireFormat

/// The admin API's projects: `POST /v1/admin/projects` (`{"name", "monthly_usd", "max_running", "rate_per_minute"}`),
/// `GET` the list or one, `PATCH /v1/admin/projects/{id}` (the limits; null removes one), `DELETE` one; its members:
/// `PUT`/`DELETE /v1/admin/projects/{id}/members/{user}`; and its keys: `POST`/`GET /v1/admin/projects/{id}/keys`,
/// `DELETE /v1/admin/projects/{id}/keys/{key}`. A project's keys act as its own user (the project's id), which answers to
/// the project's limits alone. A project's limits hold for its members' generations made while they are members, on every
/// gateway at once (budget and cap in the create statement, the rate in the gateways' shared buckets).
func addProjectRoutes(to admin: RouterGroup<BasicRequestContext>, projects: ProjectStore, keys: ApiKeyStore, logger: Logger) {
    /// The limits in `body` (absent: `current`'s; null: none), each checked; a 422 naming each bad field.
    @Sendable func limits(_ body: [String: JSONValue], current: ProjectStore.Limits) throws -> ProjectStore.Limits {
        var errors: [Problem.FieldError] = []
        var limits = current
        switch body["monthly_usd"] {
        case nil: break
        case .null?: limits.monthlyBudget = nil
        case let value?:
            if let usd = value.number, usd >= 0, usd < 100_000_000 {
                limits.monthlyBudget = usd
            } else {
                errors.append(.init(field: "monthly_usd", message: "must be a number of US dollars from 0 to 99999999, or null for none"))
            }
        }
        for (field, range, keyPath) in [
            ("max_running", 1...1_000_000, \ProjectStore.Limits.maxRunning), ("rate_per_minute", 1...1_000_000, \ProjectStore.Limits.ratePerMinute),
        ] {
            switch body[field] {
            case nil: break
            case .null?: limits[keyPath: keyPath] = nil
            case let value?:
                if let count = value.number, count == count.rounded(), range.contains(Int(exactly: count) ?? 0) {
                    limits[keyPath: keyPath] = Int(count)
                } else {
                    errors.append(.init(field: field, message: "must be an integer from 1 to 1000000, or null for none"))
                }
            }
        }
        let fields = ["name", "monthly_usd", "max_running", "rate_per_minute"]
        if let field = body.keys.filter({ !fields.contains($0) }).sorted().first {
            errors.append(.init(field: field, message: "is not a project field (\(fields.joined(separator: ", ")))"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return limits
    }
    @Sendable func object(_ request: Request) async throws -> [String: JSONValue] {
        guard case .object(let body) = try await request.decodeJSON(JSONValue.self, limit: 4096) else {
            throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object")
        }
        return body
    }
    @Sendable func uuid(_ context: BasicRequestContext, _ name: String) throws -> UUID {
        let raw = try context.parameters.require(name)
        guard let id = UUID(uuidString: raw) else { throw Problem.validation([.init(field: name, message: "must be a UUID, got '\(raw)'")]) }
        return id
    }
    admin.post("projects") { request, _ in
        let body = try await object(request)
        let name = body["name"]?.string?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var errors: [Problem.FieldError] = []
        if !(1...100).contains(name.count) { errors.append(.init(field: "name", message: "is required: 1 to 100 characters")) }
        let wanted: ProjectStore.Limits
        do {
            wanted = try limits(body, current: .init())
        } catch let problem as Problem {
            throw Problem.validation(errors + problem.errors)
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        do {
            let project = try await projects.create(name: name, limits: wanted)
            logger.notice("Admin made a project", metadata: ["project": "\(project.id.lowercase)", "name": "\(name)"])
            return try JSONCoding.response(project, status: .created)
        } catch ProjectStore.Refusal.nameTaken {
            throw Problem(.conflict, title: "Name taken", detail: "A project named '\(name)' exists already")
        }
    }
    admin.get("projects") { _, _ in
        try JSONCoding.response(ProjectList(data: try await projects.list()))
    }
    admin.get("projects/:id") { _, context in
        let id = try uuid(context, "id")
        guard let project = try await projects.find(id) else { throw Problem.notFound("Project \(id.lowercase)") }
        return try JSONCoding.response(project)
    }
    admin.patch("projects/:id") { request, context in
        let id = try uuid(context, "id")
        guard let project = try await projects.find(id) else { throw Problem.notFound("Project \(id.lowercase)") }
        let body = try await object(request)
        if body["name"] != nil { throw Problem.validation([.init(field: "name", message: "cannot be changed")]) }
        let wanted = try limits(
            body, current: .init(monthlyBudget: project.monthlyBudgetUsd, maxRunning: project.maxRunning, ratePerMinute: project.ratePerMinute))
        guard let changed = try await projects.setLimits(id, wanted) else {
            throw Problem.notFound("Project \(id.lowercase)")
        }
        logger.notice(
            "Admin changed a project's limits",
            metadata: [
                "project": "\(id.lowercase)", "monthly_usd": "\(wanted.monthlyBudget.map { "\($0)" } ?? "none")",
                "max_running": "\(wanted.maxRunning.map { "\($0)" } ?? "none")",
                "rate_per_minute": "\(wanted.ratePerMinute.map { "\($0)" } ?? "none")",
            ])
        return try JSONCoding.response(changed)
    }
    admin.delete("projects/:id") { _, context in
        let id = try uuid(context, "id")
        guard try await projects.delete(id) else { throw Problem.notFound("Project \(id.lowercase)") }
        logger.notice("Admin deleted a project", metadata: ["project": "\(id.lowercase)"])
        return Response(status: .noContent)
    }
    admin.put("projects/:id/members/:user") { _, context in
        let (id, user) = (try uuid(context, "id"), try uuid(context, "user"))
        do {
            guard try await projects.add(user, to: id) else { throw Problem.notFound("Project \(id.lowercase)") }
        } catch ProjectStore.Refusal.memberOfAnother(let other) {
            throw Problem(
                .conflict, title: "In another project",
                detail: "User \(user.lowercase) is a member of project \(other.lowercase); remove them from it first")
        }
        logger.notice("Admin added a project member", metadata: ["project": "\(id.lowercase)", "user": "\(user.lowercase)"])
        return try JSONCoding.response(try await projects.find(id))
    }
    admin.delete("projects/:id/members/:user") { _, context in
        let (id, user) = (try uuid(context, "id"), try uuid(context, "user"))
        guard try await projects.remove(user, from: id) else { throw Problem.notFound("Member \(user.lowercase) of project \(id.lowercase)") }
        logger.notice("Admin removed a project member", metadata: ["project": "\(id.lowercase)", "user": "\(user.lowercase)"])
        return Response(status: .noContent)
    }
    admin.post("projects/:id/keys") { request, context in
        let id = try uuid(context, "id")
        guard case .object(let fields) = try await request.decodeJSON(JSONValue.self, limit: 16 << 10) else {
            throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object")
        }
        let key = try NewApiKey(fields)
        guard try await projects.find(id) != nil else { throw Problem.notFound("Project \(id.lowercase)") }
        let created = try await keys.create(key, userID: id)
        logger.notice("Admin made a project key", metadata: ["project": "\(id.lowercase)", "key": "\(created.id.lowercase)"])
        var response = try JSONCoding.response(created, status: .created)
        response.headers[.cacheControl] = "no-store"
        return response
    }
    admin.get("projects/:id/keys") { _, context in
        let id = try uuid(context, "id")
        guard try await projects.find(id) != nil else { throw Problem.notFound("Project \(id.lowercase)") }
        return try JSONCoding.response(ApiKeyList(data: try await keys.list(userID: id)))
    }
    admin.delete("projects/:id/keys/:key") { _, context in
        let (id, key) = (try uuid(context, "id"), try uuid(context, "key"))
        guard try await keys.revoke(key, userID: id) else { throw Problem.notFound("Key \(key.lowercase) of project \(id.lowercase)") }
        logger.notice("Admin revoked a project key", metadata: ["project": "\(id.lowercase)", "key": "\(key.lowercase)"])
        return Response(status: .noContent)
    }
}
