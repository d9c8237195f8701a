import Catalog
import Foundation
import Generations
import Hummingbird
import ServiceKit
import WireFormat

/// `POST /functions/v1/start-generation`, the legacy API: the old system's endpoint, request and response shape, so its
/// clients work unchanged. "Legacy" means the old system's public surface throughout: this endpoint and the SQL functions
/// `enqueue_job`, `claim_next_job` and `complete_job`.
struct LegacyRoutes: Sendable {
    let generations: GenerationRoutes

    func add(to router: Router<BasicRequestContext>) {
        router.post("functions/v1/start-generation") { request, _ in
            do {
                let caller = try await generations.auth.caller(from: request.bearerToken)
                let (generation, _) = try await generations.create(request, caller: caller, legacy: true)
                struct Started: Encodable {
                    var success = true
                    var generationId: UUID
                    var jobId: UUID?
                    var status: String
                    var message = "Image generation started. You will be notified when complete."
                }
                let jobID = try await generations.store.jobID(forGeneration: generation.id)
                return try JSONCoding.response(Started(generationId: generation.id, jobId: jobID, status: generation.status.rawValue))
            } catch let problem as Problem {
                // The legacy API answered every failure as {error}; keep that shape, with honest status codes.
                struct Failure: Encodable {
                    var success = false
                    var error: String
                    var errors: [Problem.FieldError]?
                }
                return try JSONCoding.response(
                    Failure(error: problem.detail, errors: problem.errors.isEmpty ? nil : problem.errors), status: problem.status
                )
            }
        }
    }
}
