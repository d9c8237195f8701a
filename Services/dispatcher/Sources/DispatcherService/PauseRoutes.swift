import Catalog
import Foundation
import Generations
import Hummingbird
import JobQueue
import Logging
import PublicAPI
import ServiceKit
import WireFormat

/// The admin API's pauses: `POST /v1/admin/pause` and `/v1/admin/resume` with `{"job_type": …}` or `{"model": …}` (and
/// a `reason`), `GET /v1/admin/pauses`. A paused job type is claimed by no dispatcher; a paused model's generations wait
/// to start; either way nothing is spent, and resuming wakes the waiting work at once.
func addPauseRoutes(
    to admin: RouterGroup<BasicRequestContext>, queue: JobQueue, generations: GenerationStore, routedTypes: Set<String>, logger: Logger
) {
    struct Target: Decodable {
        var jobType: String?
        var model: String?
        var reason: String?
    }
    /// The one thing a body names, checked: a routed job type or a catalog model.
    @Sendable func target(_ request: Request) async throws -> (DispatchPause.Kind, String, String?) {
        let body = try await request.decodeJSON(Target.self, limit: 4096)
        var errors: [Problem.FieldError] = []
        if let reason = body.reason, reason.count > 200 { errors.append(.init(field: "reason", message: "must be at most 200 characters")) }
        switch (body.jobType, body.model) {
        case (let type?, nil):
            if !routedTypes.contains(type) {
                errors.append(.init(field: "job_type", message: "must be a routed job type: \(routedTypes.sorted().joined(separator: ", "))"))
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return (.jobType, type, body.reason)
        case (nil, let model?):
            if ModelCatalog.model(model) == nil { errors.append(.init(field: "model", message: "must be a catalog model id, got '\(model)'")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return (.model, model, body.reason)
        default:
            throw Problem.validation([.init(field: "job_type", message: "give exactly one of job_type and model")])
        }
    }
    admin.get("pauses") { _, _ in
        try JSONCoding.response(DispatchPauseList(data: try await queue.pauses()))
    }
    admin.post("pause") { request, _ in
        let (kind, name, reason) = try await target(request)
        let pause = try await queue.pause(kind, name, reason: reason)
        logger.notice("Admin paused dispatch", metadata: ["kind": "\(kind.rawValue)", "name": "\(name)", "reason": "\(reason ?? "")"])
        return try JSONCoding.response(pause)
    }
    admin.post("resume") { request, _ in
        let (kind, name, _) = try await target(request)
        guard try await queue.resume(kind, name) else { throw Problem.notFound("A pause of \(kind.rawValue) \(name)") }
        let woken = kind == .model ? try await generations.wakeWaiting(model: name) : 0
        logger.notice("Admin resumed dispatch", metadata: ["kind": "\(kind.rawValue)", "name": "\(name)", "woken": "\(woken)"])
        return try JSONCoding.response(["resumed": true])
    }
}
