import Crypto
import Foundation
import NIOPosix

/// Where stored images live (`STORAGE_URL`): a filesystem directory, or an S3-compatible bucket.
package protocol ImageStorage: Sendable {
    /// Begins a write beside `path` (relative, e.g. `ab/<generation>.download`: in its directory, and on S3 the key of a
    /// multipart upload while it is unfinished); nothing is visible before `commit(as:contentType:)` names it.
    func writer(for path: String) async throws -> any ImageWriter
    /// Deletes `path`; nothing happens when it does not exist.
    func remove(_ path: String) async throws
    /// Every stored path last written more than `age` ago (for the orphan sweep).
    func files(olderThan age: Duration) async throws -> [String]
}

/// Storage itself failed (a full or read-only volume, an object store answering 5xx or `SlowDown`): our fault, never the
/// stored content's. What was being written is abandoned by whoever caught it.
package struct StorageFailure: Error, CustomStringConvertible {
    package var operation: String
    package var underlying: any Error

    package init(_ operation: String, _ underlying: any Error) {
        self.operation = operation
        self.underlying = underlying
    }

    package var description: String { "storage \(operation) failed: \(underlying)" }

    /// Runs `body`, reporting any error it throws as a storage failure of `operation`.
    package static func during<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StorageFailure { throw error } catch { throw StorageFailure(operation, error) }
    }
}

/// A streaming write: append chunks, then commit (atomic) or abandon.
package protocol ImageWriter: AnyObject {
    func append(_ bytes: [UInt8]) async throws
    /// Makes the bytes visible at `path` (relative, replacing what is there), served as `contentType`, once the content
    /// is known (an image's format from its first bytes); returns its size and SHA-256 (hex).
    func commit(as path: String, contentType: String) async throws -> (size: Int, sha256: String)
    func abandon() async
}

/// Images on a local or shared filesystem under `root`.
package struct FileImageStorage: ImageStorage {
    package let root: URL

    package init(root: String) {
        self.root = URL(fileURLWithPath: root, isDirectory: true)
    }

    /// Blocking file calls (create, write, fsync, rename, unlink) run on these threads, never on Swift's cooperative
    /// pool: that pool has a thread per core, so on two cores two downloads waiting for fsync stalled every other
    /// download and the HTTP server with them.
    static let io: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    package func remove(_ path: String) async throws {
        try Self.check(path)
        let file = root.appendingPathComponent(path).path
        try await Self.io.runIfActive {
            if unlink(file) != 0 && errno != ENOENT { throw CocoaError(.fileWriteUnknown) }
        }
    }

    package func writer(for path: String) async throws -> any ImageWriter {
        try Self.check(path)
        let target = root.appendingPathComponent(path)
        let writer: FileImageWriter = try await Self.io.runIfActive {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try FileImageWriter(root: root, near: target)
        }
        return writer
    }

    /// A path stays under the root.
    static func check(_ path: String) throws {
        guard !path.contains(".."), !path.hasPrefix("/") else { throw CocoaError(.fileWriteInvalidFileName) }
    }
}

/// One download's file, written by one task at a time (append, then commit or abandon), each call on `FileImageStorage.io`:
/// a temporary file beside where it goes, fsynced and renamed to its name at commit.
final class FileImageWriter: ImageWriter, @unchecked Sendable {
    private let root: URL
    private let temporary: URL
    private let handle: FileHandle
    private var hasher = SHA256()
    private var size = 0

    init(root: URL, near target: URL) throws {
        self.root = root
        temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        handle = try FileHandle(forWritingTo: temporary)
    }

    func append(_ bytes: [UInt8]) async throws {
        hasher.update(data: bytes)
        size += bytes.count
        try await FileImageStorage.io.runIfActive { try self.handle.write(contentsOf: bytes) }
    }

    /// The content type is not stored: the path's extension tells it when the file is served.
    func commit(as path: String, contentType: String) async throws -> (size: Int, sha256: String) {
        try FileImageStorage.check(path)
        let target = root.appendingPathComponent(path)
        try await FileImageStorage.io.runIfActive {
            try self.handle.synchronize()
            try self.handle.close()
            if target.deletingLastPathComponent() != self.temporary.deletingLastPathComponent() {
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            }
            if rename(self.temporary.path, target.path) != 0 { throw CocoaError(.fileWriteUnknown) }
        }
        return (size, hasher.finalize().hexString)
    }

    func abandon() async {
        _ = try? await FileImageStorage.io.runIfActive {
            try? self.handle.close()
            try? FileManager.default.removeItem(at: self.temporary)
        }
    }
}

extension FileImageStorage {
    /// Every stored file (relative path) last written more than `age` ago: unfinished writes (`.tmp`) and downloads
    /// (`.download`) included, so a sweep can tell what no row names.
    package func files(olderThan age: Duration) async throws -> [String] {
        let (root, cutoff) = (root, Date().addingTimeInterval(-Double(age.components.seconds)))
        // A walk of the whole tree: on the file threads, like every other blocking call here.
        return try await Self.io.runIfActive {
            let keys: [URLResourceKey] = [.isRegularFileKey, .contentModificationDateKey]
            guard let walk = FileManager.default.enumerator(at: root, includingPropertiesForKeys: keys) else { return [] }
            var paths: [String] = []
            let prefix = root.standardizedFileURL.path.hasSuffix("/") ? root.standardizedFileURL.path : root.standardizedFileURL.path + "/"
            for case let url as URL in walk {
                guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true,
                    let modified = values.contentModificationDate, modified < cutoff
                else { continue }
                let path = url.standardizedFileURL.path
                if path.hasPrefix(prefix) { paths.append(String(path.dropFirst(prefix.count))) }
            }
            return paths
        }
    }
}
