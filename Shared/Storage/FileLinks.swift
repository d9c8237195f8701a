import Crypto
import Foundation

/// Expiring links to stored images, valid `FILES_URL_TTL` seconds, made by the gateway and the notifier for the bodies
/// they send. Files on disk: `<public url>?expires=<unix seconds>&sig=<HMAC-SHA256 of "<path>\n<expires>">` keyed with
/// `FILES_URL_SECRET`, checked by the gateway before it serves the file. Objects in a bucket: an S3 presigned GET, so
/// the bytes come from the store, not through the gateway. With `FILES_PUBLIC` links are plain and never expire.
package struct FileLinks: Sendable {
    private let key: SymmetricKey?
    private let objects: S3Presigner?
    /// Seconds a link is valid for (at least; links are made as of the minute, so links made within a minute are
    /// equal: a webhook's body and a GET of the same generation agree, and caches can keep them).
    package let ttl: Int

    /// Links signed with `secret`; nil makes plain, public links.
    package init(secret: String?, ttl: Int = 3600) {
        key = secret.map { SymmetricKey(data: Data($0.utf8)) }
        objects = nil
        self.ttl = ttl
    }

    /// Presigned GETs of the objects in a bucket.
    package init(presigning objects: S3Presigner, ttl: Int = 3600) {
        key = nil
        self.objects = objects
        self.ttl = ttl
    }

    /// Whether the gateway serves `/files` without checking a signature.
    package var arePublic: Bool { key == nil && objects == nil }

    /// The link to a file stored at `path` whose plain URL is `publicURL`.
    package func url(_ publicURL: String, path: String, now: Date = Date()) -> String {
        let minute = Int(now.timeIntervalSince1970) / 60 * 60
        if let objects {
            // As of the minute, valid one more minute than asked, so it is never shorter than the TTL.
            return objects.presignedGET(objects.location.key(path), seconds: ttl + 60, now: Date(timeIntervalSince1970: Double(minute)))
        }
        guard key != nil else { return publicURL }
        let expires = minute + 60 + ttl
        return "\(publicURL)?expires=\(expires)&sig=\(signature(path: path, expires: expires))"
    }

    /// Whether a request for `path` with these query values may be served: signed for this path and not yet expired.
    package func allows(path: String, expires: String?, sig: String?, now: Date = Date()) -> Bool {
        guard key != nil else { return true }
        guard let expires = expires.flatMap(Int.init), let sig, expires >= Int(now.timeIntervalSince1970) else { return false }
        let expected = signature(path: path, expires: expires)
        // Constant time: compare every byte whatever the first difference.
        guard expected.utf8.count == sig.utf8.count else { return false }
        return zip(expected.utf8, sig.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func signature(path: String, expires: Int) -> String {
        guard let key else { return "" }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(path)\n\(expires)".utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
