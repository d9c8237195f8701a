import Crypto
import Foundation
import Hummingbird
import WireFormat

/// Rejects requests whose `Authorization: Bearer` token is not the shared internal token.
package struct InternalTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let token: String

    /// Guards routes with `token` (`INTERNAL_TOKEN`).
    package init(token: String) {
        self.token = token
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = request.bearerToken else {
            throw Problem.unauthorized("Missing bearer token")
        }
        guard constantTimeEquals(presented, token) else {
            throw Problem.unauthorized("Invalid internal token")
        }
        return try await next(request, context)
    }
}

extension Request {
    /// The token of an `Authorization: Bearer <token>` header.
    package var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// Collects the body (at most `limit` bytes) and decodes it with the project's JSON conventions.
    package func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 1 << 20) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw Problem(.contentTooLarge, detail: "Request body exceeds \(limit) bytes")
        }
        do {
            return try JSONCoding.decoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem(.badRequest, title: "Malformed JSON", detail: error.readableDescription)
        }
    }
}

extension DecodingError {
    /// A one-line explanation naming the offending path.
    package var readableDescription: String {
        func path(_ context: Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "body" : joined
        }
        switch self {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(type), found null"
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue): required"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(self)"
        }
    }
}

/// Compares two strings in time independent of where they differ.
package func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let a = Array(SHA256.hash(data: Data(lhs.utf8)))
    let b = Array(SHA256.hash(data: Data(rhs.utf8)))
    return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

/// Guards the admin API with its own token (`ADMIN_TOKEN`); without one configured, the admin API is off (403 saying so).
package struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let token: String?

    package init(token: String?) {
        self.token = token
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { throw Problem(.forbidden, detail: "The admin API is off: set ADMIN_TOKEN on the dispatcher") }
        guard let presented = request.bearerToken else { throw Problem.unauthorized("Missing bearer token") }
        guard constantTimeEquals(presented, token) else { throw Problem.unauthorized("Invalid admin token") }
        return try await next(request, context)
    }
}
