import Hummingbird
import Logging
import PostgresNIO
import ServiceKit

/// Every error the public API answers is problem+json: the framework's own (no such route, 413, …) become a
/// ``Problem`` with the same status; a database that cannot answer now (down, full, shutting down, a deadlock or
/// serialization failure) is 503 (retry later); anything else, a statement the database refuses included, is 500,
/// logged, its text never shown.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError {
            throw Problem(error.status, detail: error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
        } catch let error as PSQLError where Self.isTransient(error) {
            logger.error("Database error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            throw Problem(.serviceUnavailable, detail: "The database is unavailable; try again shortly", retryAfterSeconds: 5)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.error("Unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            throw Problem(.internalServerError, detail: "An unexpected error; it was logged")
        }
    }

    /// Whether retrying later can help: no answer from the server at all, or an SQLSTATE of class 08 (connection), 40
    /// (deadlock, serialization), 53 (disk full, out of memory, too many connections), 57 (shutdown, cancelled) or
    /// 55P03 (lock not available).
    static func isTransient(_ error: PSQLError) -> Bool {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return true }
        return ["08", "40", "53", "57"].contains(String(state.prefix(2))) || state == "55P03"
    }
}
