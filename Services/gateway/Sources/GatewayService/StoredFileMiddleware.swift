import Generations
import Hummingbird
import ServiceKit
import Storage

/// The one gate in front of the stored files (`FileMiddleware`, which serves what no route answers, after
/// percent-decoding the path). It decides on the path as it will be served: a request whose path decodes to one under
/// `/files` is refused when it is percent-encoded at all (our links never are), so an encoded form cannot skip the link
/// check or the headers; then the link must be signed and unexpired (unless `FILES_PUBLIC`), and an image row must still
/// name the file (a deleted generation's file is gone even before it is unlinked). What is served is untrusted content on
/// the API's origin: nothing in it may run there (CSP with `sandbox`), browsers must not guess another type, other sites
/// may embed it, and an SVG downloads as a file unless the operator allows it inline (`FILES_SVG_INLINE`).
struct StoredFileMiddleware<Context: RequestContext>: RouterMiddleware {
    let links: FileLinks
    let svgInline: Bool
    /// Whether an image row names this path (relative to the storage root).
    let isStored: @Sendable (String) async throws -> Bool

    static var prefix: String { "/files" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let raw = request.uri.path
        guard let decoded = raw.removingPercentEncoding else {
            throw Problem(.badRequest, detail: "The path has invalid percent-encoding")
        }
        guard decoded.hasPrefix(Self.prefix) else { return try await next(request, context) }
        guard raw == decoded, raw.hasPrefix(Self.prefix + "/") else { throw Self.notFound }
        let path = String(raw.dropFirst(Self.prefix.count + 1))
        if !links.arePublic {
            let query = request.uri.queryParameters
            guard links.allows(path: path, expires: query.get("expires"), sig: query.get("sig")) else {
                throw Problem(
                    .forbidden, title: "Link expired or invalid",
                    detail: "File links are signed and expire; get the generation again for a fresh public_url"
                )
            }
        }
        guard try await isStored(path) else { throw Self.notFound }
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.crossOriginResourcePolicy] = "cross-origin"
        response.headers[.referrerPolicy] = "no-referrer"
        if !svgInline, path.lowercased().hasSuffix(".svg") {
            let name = path.split(separator: "/").last.map(String.init) ?? "image.svg"
            response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        }
        return response
    }

    static var notFound: Problem { Problem(.notFound, detail: "No such file") }
}
