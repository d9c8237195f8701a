import Crypto
import Foundation

/// Replicate's (Svix-style) webhook signing: HMAC-SHA256 over `"{id}.{timestamp}.{body}"` with the base64 key after `whsec_`.
package enum WebhookSignature {
    /// The `webhook-signature` header value (`v1,<base64>`), or nil when the secret is malformed.
    package static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String? {
        guard let encoded = secret.split(separator: "_").last, let key = Data(base64Encoded: String(encoded)) else { return nil }
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether any `v1,` entry of `signatureHeader` is the signature of this message.
    package static func verify(secret: String, id: String, timestamp: Int, body: [UInt8], signatureHeader: String) -> Bool {
        guard let expected = sign(secret: secret, id: id, timestamp: timestamp, body: body) else { return false }
        return signatureHeader.split(separator: " ").contains { $0 == expected }
    }

    /// A new random secret in Replicate's format (standard base64, no `_` in the key part).
    package static func makeSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return "whsec_" + key.withUnsafeBytes { Data($0) }.base64EncodedString()
    }
}
