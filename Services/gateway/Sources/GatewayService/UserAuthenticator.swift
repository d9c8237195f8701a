import AsyncHTTPClient
import Foundation
import Generations
import JWTKit
import Logging
import PublicAPI
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Who a valid token speaks for.
package struct Caller: Sendable {
    package var user: UUID
    /// The highest priority this caller may ask for, when the token grants one.
    package var maxPriority: Int?
    /// The API key the caller presented (nil: a user token).
    package var keyID: UUID? = nil
}

/// What a token must carry beyond a valid signature and expiry.
package struct TokenPolicy: Sendable {
    /// `AUTH_JWT_ISSUER`: the `iss` every token must name.
    package var issuer: String?
    /// `AUTH_JWT_AUDIENCE`: a value `aud` must include.
    package var audience: String?
    /// Clock difference allowed on `nbf`.
    package var leeway: TimeInterval = 60

    package init(issuer: String? = nil, audience: String? = nil) {
        self.issuer = issuer
        self.audience = audience
    }
}

/// Verifies bearer tokens and yields the caller. Keys are HS256 with `AUTH_JWT_SECRET` (unless it is unset because an
/// identity provider signs every token) and an identity provider's key set, refreshed from `AUTH_JWKS_URL` periodically
/// and when a token names a key it does not know (at most once per `refreshSpacing`, 30 s by default).
package final class UserAuthenticator: Sendable {
    /// HS256 needs a key at least as long as its 32-byte digest.
    package static let minimumSecretBytes = UserToken.minimumSecretBytes

    private let secret: String?
    private let policy: TokenPolicy
    private let keySetURL: String?
    private let refreshSpacing: TimeInterval
    /// The keys in use and the key ids the key set names (a token naming another is refused, never tried on a default).
    private let keys: Mutex<(collection: JWTKeyCollection, kids: Set<String>)>
    private let lastFetch = Mutex<Date?>(nil)
    private let logger: Logger

    /// HS256 with `secret` only (tests and the `gateway token` command).
    package convenience init(secret: String) async {
        try! await self.init(secret: secret, jwks: nil)
    }

    /// Keys from `secret` (HS256, when given) and the key set `jwks` (tokens name their key with `kid`); with
    /// `keySetURL`, the key set is fetched from there now and on every ``refresh()``.
    package init(
        secret: String?, jwks: String?, keySetURL: String? = nil, policy: TokenPolicy = TokenPolicy(), refreshSpacing: TimeInterval = 30,
        logger: Logger = Logger(label: "auth")
    ) async throws {
        self.secret = secret
        self.refreshSpacing = refreshSpacing
        self.policy = policy
        self.keySetURL = keySetURL
        self.logger = logger
        let fetched = try await keySetURL.asyncMap(Self.fetch)
        keys = Mutex(try await Self.collection(secret: secret, jwks: fetched ?? jwks))
        if keySetURL != nil { lastFetch.withLock { $0 = Date() } }
    }

    private static func collection(secret: String?, jwks: String?) async throws -> (collection: JWTKeyCollection, kids: Set<String>) {
        let keys = JWTKeyCollection()
        if let secret { await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256) }
        guard let jwks else { return (keys, []) }
        try await keys.add(jwksJSON: jwks)
        struct KeySet: Decodable {
            struct Key: Decodable { var kid: String? }
            var keys: [Key]
        }
        let kids = try JSONDecoder().decode(KeySet.self, from: Data(jwks.utf8)).keys.compactMap(\.kid)
        return (keys, Set(kids))
    }

    /// The `kid` a token's header names, if any.
    private static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".").first else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        struct Header: Decodable { var kid: String? }
        return Data(base64Encoded: base64).flatMap { try? JSONDecoder().decode(Header.self, from: $0) }?.kid
    }

    private static func fetch(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        guard response.status == .ok else { throw KeySetError(description: "AUTH_JWKS_URL answered \(response.status.code)") }
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    /// Fetches the key set again and swaps it in (a failed fetch keeps the keys in use).
    package func refresh() async {
        guard let keySetURL else { return }
        lastFetch.withLock { $0 = Date() }
        do {
            let next = try await Self.collection(secret: secret, jwks: try await Self.fetch(keySetURL))
            keys.withLock { $0 = next }
        } catch {
            logger.warning("Could not refresh the identity provider's key set", metadata: ["error": "\(error)"])
        }
    }

    /// The user id of a valid token; a 401 ``Problem`` saying why otherwise (missing, malformed, expired, bad signature).
    package func user(from bearer: String?) async throws -> UUID {
        try await caller(from: bearer).user
    }

    /// The caller of a valid token; a 401 ``Problem`` saying why otherwise.
    package func caller(from bearer: String?) async throws -> Caller {
        guard let bearer, !bearer.isEmpty else { throw Problem.unauthorized("Missing bearer token") }
        if bearer.hasPrefix(ApiKeyStore.prefix) {
            // Looked up and its scope checked by ``ApiKeyMiddleware`` for this request.
            guard let key = RequestKey.current, key.hash == ApiKeyStore.hash(bearer) else {
                throw Problem.unauthorized("Unknown, revoked or expired API key")
            }
            return Caller(user: key.userId, maxPriority: nil, keyID: key.id)
        }
        let claims: UserClaims
        do {
            claims = try await verify(bearer, refreshingOnUnknownKey: true)
        } catch let error as JWTError {
            throw Problem.unauthorized("Invalid token: \(error.reason ?? "\(error.errorType)")")
        } catch {
            throw Problem.unauthorized("Invalid token")
        }
        if let issuer = policy.issuer, claims.iss?.value != issuer { throw Problem.unauthorized("Token issuer is not \(issuer)") }
        if let audience = policy.audience, claims.aud?.value.contains(audience) != true {
            throw Problem.unauthorized("Token audience does not include \(audience)")
        }
        if let notBefore = claims.nbf?.value, notBefore > Date().addingTimeInterval(policy.leeway) {
            throw Problem.unauthorized("Token is not valid yet")
        }
        guard let user = UUID(uuidString: claims.sub.value) else { throw Problem.unauthorized("Token subject is not a user UUID") }
        return Caller(user: user, maxPriority: claims.maxPriority)
    }

    private func verify(_ token: String, refreshingOnUnknownKey: Bool) async throws -> UserClaims {
        let current = keys.withLock { $0 }
        // With a key set, a token must name one of its keys or none (HS256); with HS256 alone, any kid is the secret's.
        if keySetURL != nil || !current.kids.isEmpty, let kid = Self.kid(of: token), !current.kids.contains(kid) {
            let due = lastFetch.withLock { last in last.map { Date().timeIntervalSince($0) >= refreshSpacing } ?? true }
            guard refreshingOnUnknownKey, keySetURL != nil, due else { throw JWTError.unknownKID(JWKIdentifier(string: kid)) }
            await refresh()
            return try await verify(token, refreshingOnUnknownKey: false)
        }
        return try await current.collection.verify(token, as: UserClaims.self)
    }

    /// A signed development token for `user`, valid for `lifetime`, naming the issuer and audience this gateway checks
    /// (HS256: needs the secret).
    package func token(for user: UUID, lifetime: TimeInterval = 86400, maxPriority: Int? = nil) async throws -> String {
        guard let secret else { throw KeySetError(description: "no AUTH_JWT_SECRET: tokens come from the identity provider") }
        return try await UserToken.sign(
            user: user, secret: secret, lifetime: lifetime, issuer: policy.issuer, audience: policy.audience, maxPriority: maxPriority)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The identity provider's key set could not be read.
struct KeySetError: Error, CustomStringConvertible {
    var description: String
}

/// Fetches the identity provider's key set again every `interval`, so rotated keys are picked up without a restart.
struct KeySetRefresher: Service {
    let authenticator: UserAuthenticator
    let interval: Duration

    func run() async throws {
        while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil {
            await authenticator.refresh()
        }
    }
}
