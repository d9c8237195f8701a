import Hummingbird

/// Stored files are untrusted content served from the API's origin: nothing in them may run there (CSP with `sandbox`),
/// browsers must not guess another type, other sites may embed them, and an SVG downloads as a file unless the operator
/// allows it inline (`FILES_SVG_INLINE`).
struct FileHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let svgInline: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.uri.path.hasPrefix("/files/") else { return response }
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.crossOriginResourcePolicy] = "cross-origin"
        response.headers[.referrerPolicy] = "no-referrer"
        if !svgInline, request.uri.path.lowercased().hasSuffix(".svg") {
            let name = request.uri.path.split(separator: "/").last.map(String.init) ?? "image.svg"
            response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        }
        return response
    }
}
