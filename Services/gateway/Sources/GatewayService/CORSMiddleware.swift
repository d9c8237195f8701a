import HTTPTypes
import Hummingbird

/// Cross-origin access for browsers on the origins an operator allows (`CORS_ALLOWED_ORIGINS`; none by default): the
/// preflight of any public route is answered here, and every answer to an allowed origin, errors included, carries the
/// headers a page needs to read it.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Exact origins (`https://app.example.com`), or `*` for any.
    let allowedOrigins: Set<String>

    static var allowedMethods: String { "GET, POST, DELETE, OPTIONS" }
    static var allowedHeaders: String { "Authorization, Content-Type, Idempotency-Key, Prefer, Last-Event-ID" }
    static var exposedHeaders: String { "Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Preference-Applied" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowedOrigins.contains("*") || allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .accessControlAllowMethods: Self.allowedMethods,
                    .accessControlAllowHeaders: Self.allowedHeaders, .accessControlMaxAge: "600", .vary: "Origin",
                ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }
}
