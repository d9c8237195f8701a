import Foundation
import ServiceKit
import Storage

extension FileLinks {
    /// How the services that hand out image links (gateway, notifier) make them: with images in a bucket
    /// (`STORAGE_URL=s3://…`), presigned GETs; on disk, signed with `FILES_URL_SECRET` (required unless
    /// `FILES_PUBLIC=true`). Valid `FILES_URL_TTL` seconds (default an hour, at most a week).
    package static func load(_ loader: inout ConfigLoader, storage: StorageSetting) -> FileLinks {
        let ttl = loader.int("FILES_URL_TTL", default: 3600, in: 60...604_000)
        if case .s3(let location, let credentials) = storage {
            return FileLinks(presigning: S3Presigner(location: location, credentials: credentials), ttl: ttl)
        }
        guard !loader.bool("FILES_PUBLIC", default: false) else { return FileLinks(secret: nil) }
        return FileLinks(secret: loader.secret("FILES_URL_SECRET"), ttl: ttl)
    }
}

extension StorageSetting {
    /// `STORAGE_URL` (else `STORAGE_DIR`), read the same way by every service that touches images; a bad value is a
    /// configuration problem naming it.
    package static func load(_ loader: inout ConfigLoader, environment: [String: String]) -> StorageSetting {
        let directory = loader.string("STORAGE_DIR", default: "./.data/images")
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] { _ = loader.optional(key) }  // listed in --help
        do {
            return try parse(url: loader.optional("STORAGE_URL"), directory: directory, environment: environment)
        } catch {
            loader.problem("\(error)")
            return .directory(directory)
        }
    }
}
