import Hummingbird
import Logging
import PostgresNIO
import ServiceKit

/// Every error the public API answers is problem+json: the framework's own (no such route, 413, …) become a
/// ``Problem`` with the same status; a database failure is 503 (retry later); anything else is 500, logged, its text
/// never shown.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError {
            throw Problem(error.status, detail: error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
        } catch let error as PSQLError {
            logger.error("Database error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            throw Problem(.serviceUnavailable, detail: "The database is unavailable; try again shortly", retryAfterSeconds: 5)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.error("Unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            throw Problem(.internalServerError, detail: "An unexpected error; it was logged")
        }
    }
}
