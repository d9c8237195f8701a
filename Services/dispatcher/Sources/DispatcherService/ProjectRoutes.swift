import Foundation
import Generations
import Hummingbird
import Logging
import PublicAPI
import ServiceKit
import WireFormat

/// The admin API's projects: `POST /v1/admin/projects` (`{"name", "monthly_usd", "max_running"}`), `GET` the list or
/// one, `PATCH /v1/admin/projects/{id}` (the limits; null removes one), `DELETE` one, and its members:
/// `PUT`/`DELETE /v1/admin/projects/{id}/members/{user}`. A project's limits hold for its members' generations made
/// while they are members, on every gateway at once (they are checked in the create statement).
func addProjectRoutes(to admin: RouterGroup<BasicRequestContext>, projects: ProjectStore, logger: Logger) {
    /// The limits in `body` (absent: `current`; null: none), each checked; a 422 naming each bad field.
    @Sendable func limits(_ body: [String: JSONValue], current: (Double?, Int?)) throws -> (Double?, Int?) {
        var errors: [Problem.FieldError] = []
        var (budget, cap) = current
        switch body["monthly_usd"] {
        case nil: break
        case .null?: budget = nil
        case let value?:
            if let usd = value.number, usd >= 0, usd < 100_000_000 {
                budget = usd
            } else {
                errors.append(.init(field: "monthly_usd", message: "must be a number of US dollars from 0 to 99999999, or null for none"))
            }
        }
        switch body["max_running"] {
        case nil: break
        case .null?: cap = nil
        case let value?:
            if let count = value.number, count == count.rounded(), (1...1_000_000).contains(count) {
                cap = Int(count)
            } else {
                errors.append(.init(field: "max_running", message: "must be an integer from 1 to 1000000, or null for no cap"))
            }
        }
        if let field = body.keys.filter({ !["name", "monthly_usd", "max_running"].contains($0) }).sorted().first {
            errors.append(.init(field: field, message: "is not a project field (name, monthly_usd, max_running)"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (budget, cap)
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
        let (budget, cap): (Double?, Int?)
        do {
            (budget, cap) = try limits(body, current: (nil, nil))
        } catch let problem as Problem {
            throw Problem.validation(errors + problem.errors)
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        do {
            let project = try await projects.create(name: name, monthlyBudget: budget, maxRunning: cap)
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
        let (budget, cap) = try limits(body, current: (project.monthlyBudgetUsd, project.maxRunning))
        guard let changed = try await projects.setLimits(id, monthlyBudget: budget, maxRunning: cap) else {
            throw Problem.notFound("Project \(id.lowercase)")
        }
        logger.notice(
            "Admin changed a project's limits",
            metadata: [
                "project": "\(id.lowercase)", "monthly_usd": "\(budget.map { "\($0)" } ?? "none")", "max_running": "\(cap.map { "\($0)" } ?? "none")",
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
}
