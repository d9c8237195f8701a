import Foundation
import JWTKit

/// Supabase-style user tokens: `sub` = user UUID and `exp` required; `iss`, `aud` and `nbf` checked when present or
/// configured; `max_priority` raises the ceiling on the priority this user may ask for. The gateway verifies these, and
/// ``UserToken/sign(user:secret:lifetime:issuer:audience:maxPriority:)`` is the one minter (the gateway's `token` command
/// and the CLI's).
package struct UserClaims: JWTPayload {
    package var sub: SubjectClaim
    package var exp: ExpirationClaim
    package var nbf: NotBeforeClaim?
    package var iss: IssuerClaim?
    package var aud: AudienceClaim?
    package var role: String?
    package var maxPriority: Int?

    enum CodingKeys: String, CodingKey {
        case sub, exp, nbf, iss, aud, role
        case maxPriority = "max_priority"
    }

    package init(
        user: UUID, expires: Date, role: String = "authenticated", maxPriority: Int? = nil, issuer: String? = nil, audience: String? = nil,
        notBefore: Date? = nil
    ) {
        sub = SubjectClaim(value: user.uuidString.lowercased())
        exp = ExpirationClaim(value: expires)
        nbf = notBefore.map { NotBeforeClaim(value: $0) }
        iss = issuer.map { IssuerClaim(value: $0) }
        aud = audience.map { AudienceClaim(value: [$0]) }
        self.role = role
        self.maxPriority = maxPriority
    }

    package func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Development tokens signed with the gateway's HS256 secret (`AUTH_JWT_SECRET`).
package enum UserToken {
    /// HS256 needs a key at least as long as its 32-byte digest: the gateway refuses a shorter secret, and so does the minter.
    package static let minimumSecretBytes = 32

    /// A secret the minter cannot use.
    package struct SecretError: Error, CustomStringConvertible {
        package var description: String
    }

    /// A token for `user`, valid for `lifetime`, naming `issuer` and `audience` when the gateway checks them
    /// (`AUTH_JWT_ISSUER`, `AUTH_JWT_AUDIENCE`).
    package static func sign(
        user: UUID, secret: String, lifetime: TimeInterval = 86400, issuer: String? = nil, audience: String? = nil, maxPriority: Int? = nil
    ) async throws -> String {
        guard secret.utf8.count >= minimumSecretBytes else {
            throw SecretError(description: "the secret has \(secret.utf8.count) bytes; HS256 needs at least \(minimumSecretBytes)")
        }
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(
            UserClaims(user: user, expires: Date().addingTimeInterval(lifetime), maxPriority: maxPriority, issuer: issuer, audience: audience)
        )
    }
}
