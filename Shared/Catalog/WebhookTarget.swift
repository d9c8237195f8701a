import Foundation
import NetworkPolicy
import PublicAPI

/// Where a generation's webhook may point: an https URL of a public host, or exactly one of the origins an operator
/// allow-listed for development (`WEBHOOK_ALLOWED_ORIGINS`: `scheme://host:port`, plain http and loopback included).
/// The notifier checks again when it delivers, after resolving the host.
package enum WebhookTarget {
    package static let maxURLLength = RequestLimits.webhookURLLength
    /// The events a webhook may ask for: the generation started running, its progress moved, it finished (completed,
    /// failed or cancelled).
    package static let events = RequestLimits.webhookEvents

    /// `scheme://host:port` of `url`, lowercased, the port explicit: how allowed origins are compared.
    package static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else { return nil }
        return "\(scheme)://\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// The origins a `WEBHOOK_ALLOWED_ORIGINS` value lists (comma-separated `scheme://host[:port]`), each as written and
    /// as compared (``origin(of:)``), and the entries that are not origins (for the config to refuse): the one reading of
    /// the setting, for the gateway and the notifier alike.
    package static func allowedOrigins(_ setting: String) -> (origins: [(written: String, origin: String)], invalid: [String]) {
        var origins: [(written: String, origin: String)] = []
        var invalid: [String] = []
        for entry in setting.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let url = URL(string: entry), url.path.isEmpty || url.path == "/", let origin = origin(of: url) {
                origins.append((entry, origin))
            } else {
                invalid.append(entry)
            }
        }
        return (origins, invalid)
    }

    /// Why `value` cannot receive webhooks; nil when it can.
    package static func problem(_ value: String, allowedOrigins: Set<String>) -> String? {
        guard value.unicodeScalars.count <= maxURLLength else { return "must be at most \(maxURLLength) characters" }
        guard let url = URL(string: value), let origin = origin(of: url), let host = url.host else { return "must be an absolute https URL" }
        if allowedOrigins.contains(origin) { return nil }
        guard url.scheme?.lowercased() == "https" else {
            return "must use https (plain http only for origins allowed in WEBHOOK_ALLOWED_ORIGINS)"
        }
        if let reason = SpecialAddress.reason(host: host) { return "host \(host) is not a public address (\(reason))" }
        if url.user != nil || url.password != nil { return "must not carry credentials in the URL" }
        return nil
    }
}
