import Foundation
import NetworkPolicy
import PublicAPI

/// What `source_image_url` and `mask_image_url` may be: the id of a file the user uploaded (`POST /v1/files`; the gateway
/// checks it is theirs and gives Replicate its link), an https URL of a public host (Replicate fetches it, and cannot
/// reach private or plain-http addresses, so such a request would only fail after a paid create call) or a `data:`
/// image, which must fit in the create body (``RequestLimits/createBodyBytes``, 64 KiB: about 47 KiB of image; the
/// gateway refuses a larger body with 413 before reading it).
package enum SourceImage {
    static let maxURLLength = 2048
    static let maxDataURILength = RequestLimits.createBodyBytes
    static let dataTypes = ["image/png", "image/jpeg", "image/webp", "image/gif"]

    /// The uploaded file `value` names, when it is a file id rather than a URL.
    package static func fileID(_ value: String) -> UUID? { value.count == 36 ? UUID(uuidString: value) : nil }

    /// Why `value` cannot be used as a source image; nil when it can.
    static func problem(_ value: String) -> String? {
        if fileID(value) != nil { return nil }
        if value.hasPrefix("data:") {
            guard let comma = value.firstIndex(of: ","), value[..<comma].hasSuffix(";base64"),
                dataTypes.contains(String(value[value.index(value.startIndex, offsetBy: 5)..<comma].dropLast(7)))
            else {
                return "a data: URI must be base64 of one of \(dataTypes.joined(separator: ", "))"
            }
            return nil
        }
        guard value.count <= maxURLLength else { return "must be at most \(maxURLLength) characters, got \(value.count)" }
        guard let url = URL(string: value), let host = url.host, !host.isEmpty else {
            return "must be an uploaded file's id, an https URL or a data: image"
        }
        guard url.scheme?.lowercased() == "https" else { return "must use https (Replicate fetches it and refuses plain http)" }
        if let reason = SpecialAddress.reason(host: host) { return "host \(host) is not a public address (\(reason))" }
        return nil
    }
}
