import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

/// A full image volume is our fault, not the output's: downloads wait for space, readiness says so, nothing partial stays.
extension DownloadJobTests {
    /// Runs `body` with a 256 KiB tmpfs mounted at a new directory (the test runs as root, as CI does).
    func withSmallVolume(_ body: (String) async throws -> Void) async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("full-volume-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        try #require(run("/bin/mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint) == 0, "mounting a tmpfs needs root")
        defer { _ = run("/bin/umount", mountPoint) }
        try await body(mountPoint)
    }

    func run(_ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Fills the volume at `path` to the last byte with one file.
    func fill(_ path: String) {
        let handle = FileHandle(
            forWritingAtPath: {
                FileManager.default.createFile(atPath: path + "/filler", contents: nil)
                return path + "/filler"
            }())!
        defer { try? handle.close() }
        while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
        while (try? handle.write(contentsOf: Data(count: 1))) != nil {}
    }

    @Test("A full volume snoozes downloads without spending attempts, turns readiness false and leaves no partial file; freed, they complete")
    func fullVolume() async throws {
        try await withSmallVolume { volume in
            try await withHarness(storageDir: volume) { h in
                fill(volume)
                let generation = try await h.generation(outputs: ["\(h.origin)/image.png", "\(h.origin)/image.png"])
                let waiting = try await h.run(generation)
                #expect(waiting.status == .accepted, "\(String(buffer: waiting.body))")
                #expect(try await h.status(generation.id).0 == "downloading")
                #expect(try await h.downloader.execute(uri: "/health/ready", method: .get).status == .serviceUnavailable)
                let leftovers = try FileManager.default.subpathsOfDirectory(atPath: volume).filter { !$0.hasSuffix("filler") }
                #expect(leftovers.allSatisfy { !$0.contains(".") }, "\(leftovers)")
                // Another download waits too, without fetching.
                #expect(try await h.run(try await h.generation(outputs: ["\(h.origin)/image.png"])).status == .accepted)
                // Space returns: the next probe finds it, readiness recovers, and the download completes.
                try FileManager.default.removeItem(atPath: volume + "/filler")
                try await eventually("storage to be ready again", timeout: .seconds(15)) {
                    try await h.downloader.execute(uri: "/health/ready", method: .get).status == .ok
                }
                #expect(try await h.run(generation).status == .ok)
                #expect(try await h.status(generation.id).0 == "completed")
            }
        }
    }

    @Test("An object store answering 503 SlowDown snoozes downloads without spending attempts and turns readiness false")
    func storeSlowDown() async throws {
        // The store's side of an S3 outage: every request answered the way S3 throttles (with `Retry-After`).
        let router = Router()
        for method in [HTTPRequest.Method.put, .post, .get, .head, .delete] { router.on("{path+}", method: method) { _, _ in Self.slowDown() } }
        try await Application(router: router).test(.live) { store in
            try await withHarness(environment: [
                "STORAGE_URL": "s3://images/out?endpoint=http://127.0.0.1:\(store.port!)&region=us-east-1&path_style=true",
                "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            ]) { h in
                let generation = try await h.generation(outputs: ["\(h.origin)/image.png"])
                let waiting = try await h.run(generation)
                #expect(waiting.status == .accepted, "\(String(buffer: waiting.body))")
                #expect(Self.storeRequests.withLock { $0 } > 0)
                #expect(try await h.status(generation.id).0 == "downloading")
                #expect(try await h.downloader.execute(uri: "/health/ready", method: .get).status == .serviceUnavailable)
                #expect(try await scalar(h.database, "SELECT count(*)::int8 FROM images", as: Int.self) == 0)
            }
        }
    }

    static let storeRequests = Mutex(0)

    static func slowDown() -> Response {
        storeRequests.withLock { $0 += 1 }
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        return Response(
            status: .serviceUnavailable, headers: [.contentType: "application/xml", .retryAfter: "1"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
