import ServiceKit
import Storage

extension FileLinks {
    /// How the services that hand out image links (gateway, notifier) sign them: `FILES_URL_SECRET` (required unless
    /// `FILES_PUBLIC=true`), valid `FILES_URL_TTL` seconds (default an hour).
    package static func load(_ loader: inout ConfigLoader) -> FileLinks {
        let ttl = loader.int("FILES_URL_TTL", default: 3600, in: 60...604_800)
        guard !loader.bool("FILES_PUBLIC", default: false) else { return FileLinks(secret: nil) }
        return FileLinks(secret: loader.secret("FILES_URL_SECRET"), ttl: ttl)
    }
}
