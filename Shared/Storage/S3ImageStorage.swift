import Foundation

/// Images in an S3-compatible bucket under the location's prefix. A write is one PUT to its final key at commit, or,
/// above 5 MiB, a multipart upload to the key it was begun with, copied to its final key with the image's content type
/// at commit (see ``S3ObjectWriter``); it becomes visible only then.
package struct S3ImageStorage: ImageStorage {
    package let client: S3Client

    package init(client: S3Client) { self.client = client }

    package func writer(for path: String) async throws -> any ImageWriter {
        try Self.check(path)
        return S3PathWriter(S3ObjectWriter(client: client, key: client.location.key(path), contentType: "application/octet-stream"))
    }

    /// A path stays under the location's prefix.
    static func check(_ path: String) throws {
        guard !path.contains(".."), !path.hasPrefix("/") else { throw StorageURLError("cannot store at '\(path)'") }
    }

    package func remove(_ path: String) async throws {
        try await client.delete(client.location.key(path))
    }

    package func files(olderThan age: Duration) async throws -> [String] {
        let cutoff = Date().addingTimeInterval(-Double(age.components.seconds))
        let prefix = client.location.prefix.isEmpty ? "" : client.location.prefix + "/"
        var paths: [String] = []
        var continuation: String?
        repeat {
            let page = try await client.list(prefix: prefix, continuation: continuation)
            paths += page.objects.filter { $0.modified < cutoff }.map { String($0.key.dropFirst(prefix.count)) }
            continuation = page.next
        } while continuation != nil
        return paths
    }
}

/// ``S3ObjectWriter`` as an ``ImageWriter``.
final class S3PathWriter: ImageWriter {
    private let writer: S3ObjectWriter
    init(_ writer: S3ObjectWriter) { self.writer = writer }
    func append(_ bytes: [UInt8]) async throws { try await writer.append(bytes) }
    func commit(as path: String, contentType: String) async throws -> (size: Int, sha256: String) {
        try S3ImageStorage.check(path)
        return try await writer.commit(as: (writer.client.location.key(path), contentType))
    }
    func abandon() async { await writer.abort() }
}

/// What `STORAGE_URL` (or, without it, `STORAGE_DIR`) selects.
package enum StorageSetting: Sendable, Equatable {
    case directory(String)
    case s3(S3Location, SigV4.Credentials)

    /// `STORAGE_URL` wins over `STORAGE_DIR`: `file:///path` or `s3://bucket/prefix?…` with the standard `AWS_*`
    /// credentials.
    package static func parse(url: String?, directory: String, environment: [String: String]) throws -> StorageSetting {
        guard let url, !url.isEmpty else { return .directory(directory) }
        if url.hasPrefix("file://") {
            let path = String(url.dropFirst("file://".count))
            guard path.hasPrefix("/") else { throw StorageURLError("must name an absolute path (file:///data/images), got '\(url)'") }
            return .directory(path)
        }
        guard url.hasPrefix("s3://") else { throw StorageURLError("must start with file:// or s3://, got '\(url)'") }
        let location = try S3Location.parse(url)
        guard let credentials = SigV4.Credentials.environment(environment) else {
            throw StorageURLError("is an S3 bucket, so AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required")
        }
        return .s3(location, credentials)
    }
}
