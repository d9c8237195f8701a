import Hummingbird
import ServiceKit
import Storage

/// A stored file is served only through a link the API handed out (signed and not expired), unless links are public
/// (`FILES_PUBLIC`). The answer to anything else is 403, whatever exists at the path.
struct FileLinkMiddleware<Context: RequestContext>: RouterMiddleware {
    let links: FileLinks

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let prefix = "/files/"
        guard !links.arePublic, request.uri.path.hasPrefix(prefix) else { return try await next(request, context) }
        let path = String(request.uri.path.dropFirst(prefix.count))
        let query = request.uri.queryParameters
        guard links.allows(path: path, expires: query.get("expires"), sig: query.get("sig")) else {
            throw Problem(
                .forbidden, title: "Link expired or invalid",
                detail: "File links are signed and expire; get the generation again for a fresh public_url"
            )
        }
        return try await next(request, context)
    }
}
