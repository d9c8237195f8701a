import Crypto
import Foundation

/// Replicate's (Svix-style) webhook signing: HMAC-SHA256 over `"{id}.{timestamp}.{body}"` with the base64 key after `whsec_`.
package enum WebhookSignature {
    /// The key of a secret in Replicate's format (`whsec_<base64>`), or nil when it is malformed.
    package static func key(of secret: String) -> Data? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), !key.isEmpty else { return nil }
        return key
    }

    /// The `webhook-signature` header value (`v1,<base64>`), or nil when the secret is malformed.
    package static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String? {
        guard let key = key(of: secret) else { return nil }
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether any `v1,` entry of `signatureHeader` is the signature of this message.
    package static func verify(secret: String, id: String, timestamp: Int, body: [UInt8], signatureHeader: String) -> Bool {
        guard let expected = sign(secret: secret, id: id, timestamp: timestamp, body: body) else { return false }
        // Every entry compared in constant time: how long a comparison takes says nothing of how much of it matched.
        let wanted = Array(expected.utf8)
        return signatureHeader.split(separator: " ").reduce(false) { found, entry in
            let given = Array(entry.utf8)
            let same = given.count == wanted.count && zip(given, wanted).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
            return found || same
        }
    }

    /// A new random secret in Replicate's format (standard base64, no `_` in the key part).
    package static func makeSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return "whsec_" + key.withUnsafeBytes { Data($0) }.base64EncodedString()
    }
}
