import Generations
import HTTPTypes
import Hummingbird
import PublicAPI
import ServiceKit

/// Serves `Authorization: Bearer igk_…` on the public API: the key is looked up once (unknown, revoked or expired: 401),
/// its scopes are checked against what the route needs (403 naming the missing scope), and the handler's
/// ``UserAuthenticator`` then takes the key found here as the caller.
struct ApiKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: ApiKeyStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/"), let bearer = request.bearerToken, bearer.hasPrefix(ApiKeyStore.prefix) else {
            return try await next(request, context)
        }
        guard let key = try await keys.authenticate(bearer) else { throw Problem.unauthorized("Unknown, revoked or expired API key") }
        let needed = Self.scope(method: request.method, path: request.uri.path)
        guard key.scopes.contains(needed) else {
            throw Problem(
                .forbidden, title: "Missing scope",
                detail: "This API key lacks the \(needed.rawValue) scope, which \(request.method) \(request.uri.path) needs")
        }
        return try await RequestKey.$current.withValue(key) { try await next(request, context) }
    }

    /// The scope a route needs: keys, the webhook secret and the account webhook `admin`; reads `read`; deletes `delete`; every other write
    /// (generations, batches, files, cancels, stream tokens) `generate`.
    static func scope(method: HTTPRequest.Method, path: String) -> ApiKeyScope {
        if path == "/v1/keys" || path.hasPrefix("/v1/keys/") || path.hasPrefix("/v1/webhook-secret") || path.hasPrefix("/v1/account/") {
            return .admin
        }
        switch method {
        case .get, .head: return .read
        case .delete: return .delete
        default: return .generate
        }
    }
}

/// The API key the request being handled was authenticated with (set by ``ApiKeyMiddleware`` around its handler).
enum RequestKey {
    @TaskLocal static var current: AuthenticatedKey?
}
