import Foundation
import GatewayService
import Hummingbird
import HummingbirdTesting
import JWTKit
import PublicAPI
import ServiceKit
import Synchronization
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
            _ = try GatewayConfig(environment: ["DATABASE_URL": "postgres://u@localhost/db", "AUTH_JWT_SECRET": secret, "FILES_PUBLIC": "true"])
            return []
        } catch let error as ConfigError {
            return error.problems
        } catch {
            return ["\(error)"]
        }
    }

    @Test(
        "A placeholder, short or predictable AUTH_JWT_SECRET stops the gateway with the reason",
        arguments: [
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

@Suite("Token policy and key rotation")
struct TokenPolicyTests {
    let secret = AuthenticatorTests.secret

    func sign(_ claims: UserClaims) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    @Test("Issuer and audience are required when configured; a token not valid yet is refused beyond a minute's leeway")
    func issuerAudienceNotBefore() async throws {
        let auth = try await UserAuthenticator(secret: secret, jwks: nil, policy: TokenPolicy(issuer: "https://id.example", audience: "imagegen"))
        let user = UUID()
        let later = Date().addingTimeInterval(600)
        let good = try await sign(UserClaims(user: user, expires: later, issuer: "https://id.example", audience: "imagegen"))
        #expect(try await auth.user(from: good) == user)
        for (claims, reason) in [
            (UserClaims(user: user, expires: later, issuer: "https://evil.example", audience: "imagegen"), "issuer"),
            (UserClaims(user: user, expires: later, audience: "imagegen"), "issuer"),
            (UserClaims(user: user, expires: later, issuer: "https://id.example", audience: "other"), "audience"),
            (
                UserClaims(user: user, expires: later, issuer: "https://id.example", audience: "imagegen", notBefore: Date().addingTimeInterval(300)),
                "not valid yet"
            ),
        ] {
            do {
                _ = try await auth.user(from: try await sign(claims))
                Issue.record("accepted a token that should fail on \(reason)")
            } catch let problem as Problem {
                #expect(problem.detail.contains(reason), "\(problem.detail)")
            }
        }
        let skewed = try await sign(
            UserClaims(user: user, expires: later, issuer: "https://id.example", audience: "imagegen", notBefore: Date().addingTimeInterval(20))
        )
        #expect(try await auth.user(from: skewed) == user)
    }

    @Test("A key the provider rotated in is fetched when a token names it, at most once per interval; HS256 can be off")
    func keyRotation() async throws {
        let served = Mutex<(keys: String, fetches: Int)>(("{\"keys\": []}", 0))
        let router = Router()
        router.get("jwks.json") { _, _ in
            let keys = served.withLock { state in
                state.fetches += 1
                return state.keys
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: keys)))
        }
        try await Application(router: router).test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)/jwks.json"
            // An identity provider only: no HS256 secret.
            let auth = try await UserAuthenticator(secret: nil, jwks: nil, keySetURL: url)
            #expect(served.withLock { $0.fetches } == 1)
            let rotated = ES256PrivateKey()
            let (x, y) = try #require(rotated.publicKey.parameters)
            served.withLock { $0.keys = #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k2", "alg": "ES256", "x": "\#(x)", "y": "\#(y)"}]}"# }
            let provider = JWTKeyCollection()
            await provider.add(ecdsa: rotated, kid: "k2")
            let user = UUID()
            // Fetched less than the minimum interval ago: the unknown key is refused without another fetch.
            let token = try await provider.sign(UserClaims(user: user, expires: Date().addingTimeInterval(600)), kid: "k2")
            await #expect(throws: Problem.self) { try await auth.user(from: token) }
            #expect(served.withLock { $0.fetches } == 1)
            // The periodic refresh picks it up.
            await auth.refresh()
            #expect(try await auth.user(from: token) == user)
            // Once the spacing has passed, a token naming an unknown key fetches the set at once.
            let eager = try await UserAuthenticator(secret: nil, jwks: nil, keySetURL: url, refreshSpacing: 0)
            let another = ES256PrivateKey()
            let (x3, y3) = try #require(another.publicKey.parameters)
            served.withLock { $0.keys = #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k3", "alg": "ES256", "x": "\#(x3)", "y": "\#(y3)"}]}"# }
            await provider.add(ecdsa: another, kid: "k3")
            let before = served.withLock { $0.fetches }
            #expect(
                try await eager.user(from: try await provider.sign(UserClaims(user: user, expires: Date().addingTimeInterval(600)), kid: "k3"))
                    == user)
            #expect(served.withLock { $0.fetches } == before + 1)
            let hs256 = try await UserAuthenticator(secret: secret).token(for: user)
            await #expect(throws: Problem.self) { try await auth.user(from: hs256) }
        }
    }

    @Test("AUTH_JWKS_URL must be https, except on loopback")
    func keySetOverHTTPS() {
        func problems(_ url: String) -> [String] {
            do {
                _ = try GatewayConfig(environment: ["DATABASE_URL": "postgres://u@localhost/db", "AUTH_JWKS_URL": url, "FILES_PUBLIC": "true"])
                return []
            } catch let error as ConfigError {
                return error.problems
            } catch {
                return ["\(error)"]
            }
        }
        #expect(problems("http://id.example/jwks.json").contains { $0.contains("must be https") })
        #expect(problems("https://id.example/jwks.json") == [])
        #expect(problems("http://127.0.0.1:9999/jwks.json") == [])
    }
}

@Suite("Gateway settings")
struct GatewaySettingsTests {
    static let base = [
        "DATABASE_URL": "postgres://u@localhost/db", "AUTH_JWT_SECRET": "7d1f0a93c4e85b26f1a8c03e9d5b7f24a6c1e80b3f9d2a57", "FILES_PUBLIC": "true",
    ]

    @Test("Input files' links Replicate cannot reach are warned about at start, only when the generators call the real API")
    func unreachableFileLinks() throws {
        #expect(try GatewayConfig(environment: Self.base).warnings.count == 1)  // the real API, links on 127.0.0.1
        #expect(try GatewayConfig(environment: Self.base.merging(["FILES_PUBLIC_URL": "http://images.example.com"]) { $1 }).warnings.count == 1)
        #expect(try GatewayConfig(environment: Self.base.merging(["FILES_PUBLIC_URL": "https://images.example.com"]) { $1 }).warnings.isEmpty)
        #expect(try GatewayConfig(environment: Self.base.merging(["REPLICATE_BASE_URL": "http://127.0.0.1:8090"]) { $1 }).warnings.isEmpty)
    }
}
