import Foundation

/// 256 random bits, base64url without padding: the secret in stream tokens, input files' links and API keys.
package func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Whether `text` has the shape `randomToken()` gives: 43 base64url characters. Anything else (a NUL byte PostgreSQL
/// refuses, say) is no token, and is refused before any query.
package func isRandomToken(_ text: some StringProtocol) -> Bool {
    text.utf8.count == 43
        && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
}
