import Catalog
import Foundation
import Generations
import Hummingbird
import PublicAPI
import ServiceKit
import WireFormat

/// API keys: made (shown once), listed (never shown again) and revoked by their user, or by a key with `admin`.
struct KeyRoutes: Sendable {
    let keys: ApiKeyStore
    let auth: UserAuthenticator

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/keys") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let body = try await request.decodeJSON(JSONValue.self, limit: 16 << 10)
            guard case .object(let fields) = body else { throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object") }
            let created = try await keys.create(try NewApiKey(fields), userID: user)
            var response = try JSONCoding.response(created, status: .created)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.get("v1/keys") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            return try JSONCoding.response(ApiKeyList(data: try await keys.list(userID: user)))
        }
        router.delete("v1/keys/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try GenerationRoutes.uuid(context)
            guard try await keys.revoke(id, userID: user) else { throw Problem.notFound("Key \(id.lowercase)") }
            return Response(status: .noContent)
        }
    }
}
