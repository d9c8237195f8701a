import Foundation

/// An allow-list of addresses (`DOWNLOAD_ALLOWED_HOSTS`, the notifier's): a bare `host` or `*.host` allows https only,
/// `*` any https host; `scheme://host:port` allows exactly that origin (plain http and private addresses included).
package struct AllowList: Sendable {
    enum Entry: Sendable {
        case host(String)
        case suffix(String)
        case origin(scheme: String, host: String, port: Int)
        case anyHTTPS
    }
    let entries: [Entry]

    package init(_ raw: String) {
        entries = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }.map { entry in
            if let url = URL(string: entry), let scheme = url.scheme, let host = url.host {
                return .origin(scheme: scheme, host: host, port: url.port ?? (scheme == "https" ? 443 : 80))
            }
            if entry == "*" { return .anyHTTPS }
            if entry.hasPrefix("*.") { return .suffix(String(entry.dropFirst(1))) }
            return .host(entry)
        }
    }

    /// Whether `url` is allowed, and whether it was named as an exact origin (which also admits private addresses).
    package func check(_ url: URL) -> (allowed: Bool, exactOrigin: Bool) {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return (false, false) }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        for entry in entries {
            switch entry {
            case .origin(let s, let h, let p) where s == scheme && h == host && p == port: return (true, true)
            case .host(let h) where scheme == "https" && host == h: return (true, false)
            case .suffix(let s) where scheme == "https" && host.hasSuffix(s): return (true, false)
            case .anyHTTPS where scheme == "https": return (true, false)
            default: continue
            }
        }
        return (false, false)
    }
}
