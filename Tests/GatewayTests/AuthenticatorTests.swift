import Foundation
import GatewayService
import JWTKit
import ServiceKit
import Testing

@Suite("User tokens")
struct AuthenticatorTests {
    static let secret = "test-secret-0123456789-0123456789-abcdef"

    @Test("Tokens from an identity provider's key set (ES256, by kid) are accepted next to HS256 ones; foreign keys are not")
    func jwks() async throws {
        let providerKey = ES256PrivateKey()
        let (x, y) = try #require(providerKey.publicKey.parameters)
        let jwks = #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "idp-1", "alg": "ES256", "use": "sig", "x": "\#(x)", "y": "\#(y)"}]}"#
        let authenticator = try await UserAuthenticator(secret: Self.secret, jwks: jwks)
        let user = UUID()

        let provider = JWTKeyCollection()
        await provider.add(ecdsa: providerKey, kid: "idp-1")
        let token = try await provider.sign(UserClaims(user: user, expires: Date().addingTimeInterval(600)), kid: "idp-1")
        #expect(try await authenticator.user(from: token) == user)

        let impostor = JWTKeyCollection()
        await impostor.add(ecdsa: ES256PrivateKey(), kid: "idp-1")
        let forged = try await impostor.sign(UserClaims(user: user, expires: Date().addingTimeInterval(600)), kid: "idp-1")
        await #expect(throws: Problem.self) { try await authenticator.user(from: forged) }

        let local = try await UserAuthenticator(secret: Self.secret).token(for: user)
        #expect(try await authenticator.user(from: local) == user)
    }

    @Test("A subject that is not a UUID is refused")
    func subjectMustBeUUID() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
        struct Claims: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let token = try await keys.sign(Claims(sub: "not-a-uuid", exp: .init(value: Date().addingTimeInterval(600))))
        await #expect(throws: Problem.self) { try await UserAuthenticator(secret: Self.secret).user(from: token) }
    }
}

@Suite("Secrets at start")
struct SecretSettingsTests {
    func problems(_ secret: String) -> [String] {
        do {
            _ = try GatewayConfig(environment: ["DATABASE_URL": "postgres://u@localhost/db", "AUTH_JWT_SECRET": secret])
            return []
        } catch let error as ConfigError {
            return error.problems
        } catch {
            return ["\(error)"]
        }
    }

    @Test("A placeholder, short or predictable AUTH_JWT_SECRET stops the gateway with the reason", arguments: [
        ("change-me-a-long-random-hs256-secret", "placeholder"),
        ("3f9c1a7e52b84d60a9e1c7f25d38b0", "at least 32 bytes"),
        (String(repeating: "ab", count: 32), "too predictable"),
    ])
    func refused(secret: String, reason: String) {
        #expect(problems(secret).contains { $0.hasPrefix("AUTH_JWT_SECRET") && $0.contains(reason) }, "\(problems(secret))")
    }

    @Test("A generated secret is accepted")
    func accepted() {
        #expect(problems("9d4c1f7a2e6b08d35c91a4e7f02b6d8c3a5e19f74b0c26d8e1a3f57c9b2d4e60") == [])
    }
}
