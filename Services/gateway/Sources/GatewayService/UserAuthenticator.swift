import Foundation
import JWTKit
import ServiceKit

/// Supabase-style user tokens: HS256 with `AUTH_JWT_SECRET`, `sub` = user UUID, `exp` required; `max_priority` raises
/// the ceiling on the priority this user may ask for.
package struct UserClaims: JWTPayload {
    package var sub: SubjectClaim
    package var exp: ExpirationClaim
    package var role: String?
    package var maxPriority: Int?

    enum CodingKeys: String, CodingKey {
        case sub, exp, role
        case maxPriority = "max_priority"
    }

    package init(user: UUID, expires: Date, role: String = "authenticated", maxPriority: Int? = nil) {
        sub = SubjectClaim(value: user.uuidString.lowercased())
        exp = ExpirationClaim(value: expires)
        self.role = role
        self.maxPriority = maxPriority
    }

    package func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Who a valid token speaks for.
package struct Caller: Sendable {
    package var user: UUID
    /// The highest priority this caller may ask for, when the token grants one.
    package var maxPriority: Int?
}

/// Verifies bearer tokens and yields the caller.
package struct UserAuthenticator: Sendable {
    /// HS256 needs a key at least as long as its 32-byte digest.
    package static let minimumSecretBytes = 32
    let keys: JWTKeyCollection

    package init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// Also accepts tokens signed by the keys of `jwks` (a JSON Web Key Set; tokens name their key with `kid`).
    package init(secret: String, jwks: String?) async throws {
        await self.init(secret: secret)
        if let jwks { try await keys.add(jwksJSON: jwks) }
    }

    /// The user id of a valid token; a 401 ``Problem`` saying why otherwise (missing, malformed, expired, bad signature).
    package func user(from bearer: String?) async throws -> UUID {
        try await caller(from: bearer).user
    }

    /// The caller of a valid token; a 401 ``Problem`` saying why otherwise.
    package func caller(from bearer: String?) async throws -> Caller {
        guard let bearer, !bearer.isEmpty else { throw Problem.unauthorized("Missing bearer token") }
        let claims: UserClaims
        do {
            claims = try await keys.verify(bearer, as: UserClaims.self)
        } catch let error as JWTError {
            throw Problem.unauthorized("Invalid token: \(error.reason ?? "\(error.errorType)")")
        } catch {
            throw Problem.unauthorized("Invalid token")
        }
        guard let user = UUID(uuidString: claims.sub.value) else { throw Problem.unauthorized("Token subject is not a user UUID") }
        return Caller(user: user, maxPriority: claims.maxPriority)
    }

    /// A signed development token for `user`, valid for `lifetime`.
    package func token(for user: UUID, lifetime: TimeInterval = 86400, maxPriority: Int? = nil) async throws -> String {
        try await keys.sign(UserClaims(user: user, expires: Date().addingTimeInterval(lifetime), maxPriority: maxPriority))
    }
}
