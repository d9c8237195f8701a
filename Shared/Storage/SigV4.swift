import Crypto
import Foundation

/// AWS Signature Version 4 (HMAC-SHA256), as S3-compatible stores check it: the `Authorization` header of a request,
/// or the query of a presigned URL. Tested against AWS's published test vectors.
package struct SigV4: Sendable {
    package struct Credentials: Sendable, Equatable {
        package var accessKeyID: String
        package var secretAccessKey: String
        package var sessionToken: String?

        package init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }

        /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and (when set) `AWS_SESSION_TOKEN`.
        package static func environment(_ environment: [String: String]) -> Credentials? {
            guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
            else { return nil }
            return Credentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    package let credentials: Credentials
    package let region: String
    package let service: String

    package init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The hex SHA-256 of an empty payload.
    package static let emptyPayloadHash = SHA256.hash(data: Data()).hexString
    /// What a request whose body is not hashed sends as `x-amz-content-sha256` (S3 accepts it over any connection).
    package static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The headers to add to a request (`x-amz-date`, `x-amz-security-token` when the credentials have one, and
    /// `authorization`). `headers` must include `host`; `path` is already URI-encoded; `query` is the raw pairs.
    package func sign(
        method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String, date: Date
    ) -> [(String, String)] {
        let stamp = Self.timestamp(date)
        var signed = headers + [("x-amz-date", stamp)]
        if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token)) }
        let (canonical, signedNames) = Self.canonicalRequest(method: method, path: path, query: query, headers: signed, payloadHash: payloadHash)
        let signature = self.signature(canonicalRequest: canonical, stamp: stamp)
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(stamp)), SignedHeaders=\(signedNames), Signature=\(signature)"
        var added = [("x-amz-date", stamp)]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        added.append(("authorization", authorization))
        return added
    }

    /// The query of a presigned URL for `method path` on `host`, valid `expires` seconds from `date` (at most a week).
    package func presignedQuery(method: String, host: String, path: String, expires: Int, date: Date) -> String {
        let stamp = Self.timestamp(date)
        var query = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"),
            ("X-Amz-Date", stamp), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let (canonical, _) = Self.canonicalRequest(
            method: method, path: path, query: query, headers: [("host", host)], payloadHash: Self.unsignedPayload
        )
        query.append(("X-Amz-Signature", signature(canonicalRequest: canonical, stamp: stamp)))
        return Self.canonicalQuery(query)
    }

    // MARK: The steps of the algorithm

    /// The canonical request and the signed header names (`host;x-amz-date`).
    package static func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> (request: String, signedHeaders: String) {
        // Header names lower-cased and sorted; values trimmed with inner runs of spaces folded; repeats joined by commas.
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let folded = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(folded.trimmingCharacters(in: .whitespaces))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let request = [method, path.isEmpty ? "/" : path, canonicalQuery(query), canonicalHeaders, signed, payloadHash].joined(separator: "\n")
        return (request, signed)
    }

    /// Pairs URI-encoded and sorted by name, then value.
    package static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (encode($0.0), encode($0.1)) }.sorted { $0 == $1 ? false : ($0.0, $0.1) < ($1.0, $1.1) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding: everything but unreserved characters (`A-Z a-z 0-9 - . _ ~`) as %XX; `/` too unless kept.
    package static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    package func signature(canonicalRequest: String, stamp: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", stamp, scope(stamp), SHA256.hash(data: Data(canonicalRequest.utf8)).hexString]
            .joined(separator: "\n")
        return HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: String(stamp.prefix(8)))).hexString
    }

    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    private func scope(_ stamp: String) -> String { "\(stamp.prefix(8))/\(region)/\(service)/aws4_request" }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    package static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
