import Catalog
import Database
import DownloaderService
import Foundation
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobContract
import PostgresNIO
import ServiceKit
import Storage
import Synchronization
import TestSupport
import Testing

/// The downloader's job endpoint over a real PostgreSQL, fetching from a real HTTP origin on loopback.
@Suite("Downloader")
struct DownloadJobTests {
    /// The `reason` a job's result gives, with the detail operators need.
    static func reason(_ response: TestResponse) -> String? {
        (try? JSONDecoder().decode([String: String].self, from: Data(buffer: response.body)))?["reason"]
    }

    /// The gate `gated.png` waits at (one test uses it).
    static let gate = Mutex<(arrived: Int, open: Bool)>((0, false))
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 0, 0, 0, 1, 0, 8, 2, 0, 0, 0,
    ]

    struct Harness: Sendable {
        let downloader: any TestClientProtocol
        let database: PostgresClient
        let origin: String
        let storage: String

        func generation(outputs: [String], status: String = "downloading") async throws -> (id: UUID, user: UUID) {
            let user = UUID()
            let json = String(decoding: try JSONEncoder().encode(outputs), as: UTF8.self)
            let id = try await scalar(
                database,
                """
                INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status, output_urls)
                VALUES (\(user), 'x', 'flux-schnell', 'black-forest-labs/flux-schnell', 512, 256, 4, 0, \(status), \(json)::jsonb)
                RETURNING id
                """,
                as: UUID.self
            )
            return (id, user)
        }

        func run(_ generation: (id: UUID, user: UUID)) async throws -> TestResponse {
            let payload = GenerationJobPayload(generationId: generation.id, userId: generation.user)
            let body = try JobEnvelope(job: .init(id: UUID(), type: DownloadImage.name, attempt: 1, maxAttempts: 5, payload: payload)).encode()
            return try await downloader.execute(
                uri: "/v1/jobs/\(DownloadImage.name)", method: .post,
                headers: [.authorization: "Bearer \(TestSecrets.internalToken)", .contentType: "application/json"], body: ByteBuffer(data: body)
            )
        }

        func status(_ id: UUID) async throws -> (String, String?) {
            for try await row in try await database.query("SELECT status, error_message FROM image_generations WHERE id = \(id)")
                .decode((String, String?).self)
            { return row }
            return ("missing", nil)
        }
    }

    /// `timeout` is the fetch deadline: generous by default, so a busy machine cannot cut a test's download short.
    func withHarness(
        maxBytes: Int = 1 << 20, allowed: String? = nil, timeout: Int = 30, storageDir: String? = nil, environment: [String: String] = [:],
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let router = Router()
        router.get("image.png") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Self.png))) }
        router.get("expired.png") { _, _ in Response(status: .notFound) }
        router.get("page.html") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "<html></html>"))) }
        router.get("huge.png") { _, _ in
            Response(
                status: .ok,
                body: .init { writer in
                    try await writer.write(ByteBuffer(bytes: Self.png))
                    for _ in 0..<64 { try await writer.write(ByteBuffer(repeating: 0, count: 64 << 10)) }
                    try await writer.finish(nil)
                })
        }
        router.get("gated.png") { _, _ in
            // Holds the answer until the test opens the gate, so it can act while the download is in flight.
            Self.gate.withLock { $0.arrived += 1 }
            while !Self.gate.withLock({ $0.open }) { try await Task.sleep(for: .milliseconds(10)) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Self.png)))
        }
        router.get("drip.png") { _, _ in
            // A body that never stalls long enough for a read timeout, and never ends.
            Response(
                status: .ok,
                body: .init { writer in
                    try await writer.write(ByteBuffer(bytes: Self.png))
                    for _ in 0..<3000 {
                        try await Task.sleep(for: .milliseconds(100))
                        try await writer.write(ByteBuffer(bytes: [0]))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("redirect") { _, _ in Response(status: .found, headers: [.location: "https://example.com/elsewhere.png"]) }
        try await Application(router: router).test(.live) { origin in
            try await TestDatabase.withClient { database, url in
                let storage = storageDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("downloader-\(UUID())").path
                defer { if storageDir == nil { try? FileManager.default.removeItem(atPath: storage) } }
                let originURL = "http://127.0.0.1:\(origin.port!)"
                let config = try DownloaderConfig(
                    environment: [
                        "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
                        "INTERNAL_TOKEN": TestSecrets.internalToken, "STORAGE_DIR": storage, "PUBLIC_BASE_URL": "https://img.example.com",
                        "DOWNLOAD_ALLOWED_HOSTS": allowed ?? originURL, "DOWNLOAD_MAX_BYTES": String(maxBytes),
                        "DOWNLOAD_TIMEOUT_SECONDS": String(timeout),
                    ].merging(environment) { $1 })
                try await buildDownloader(config: config, logger: TestDatabase.logger).test(.router) { downloader in
                    try await body(Harness(downloader: downloader, database: database, origin: originURL, storage: storage))
                }
            }
        }
    }

    @Test("Every output is stored under <shard>/<generation>[-N].<ext> (no user id) with measured size and digest; the generation completes")
    func storesOutputs() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/image.png", "\(h.origin)/image.png"])
            #expect(try await h.run(generation).status == .ok)
            #expect(try await h.status(generation.id).0 == "completed")
            let id = generation.id.uuidString.lowercased()
            let shard = String(id.prefix(2))
            for path in ["\(shard)/\(id).png", "\(shard)/\(id)-1.png"] {
                #expect(FileManager.default.contents(atPath: "\(h.storage)/\(path)") == Data(Self.png))
            }
            let rows = try await h.database.query(
                "SELECT output_index, width, height, format, storage_path, public_url FROM images ORDER BY output_index")
            var seen: [String] = []
            for try await (index, width, height, format, path, url) in rows.decode((Int, Int, Int, String, String, String).self) {
                seen.append("\(index) \(width)x\(height) \(format) \(path)")
                #expect(url == "https://img.example.com/files/\(path)")
            }
            #expect(seen == ["0 512x256 png \(shard)/\(id).png", "1 512x256 png \(shard)/\(id)-1.png"])
            let seconds = try await scalar(
                h.database, "SELECT generation_time_seconds FROM image_generations WHERE id = \(generation.id)", as: Int?.self)
            #expect(seconds != nil)
        }
    }

    @Test("A generation cancelled while its outputs download gets no image rows and keeps no files")
    func cancelledMidDownload() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/gated.png"])
            async let run = h.run(generation)
            try await eventually("the download to be in flight") { Self.gate.withLock { $0.arrived } > 0 }
            _ = try await GenerationStore(client: h.database, logger: TestDatabase.logger).cancel(generation.id, userID: generation.user)
            Self.gate.withLock { $0.open = true }
            #expect(try await run.status == .ok)
            #expect(try await h.status(generation.id).0 == "cancelled")
            #expect(try await scalar(h.database, "SELECT count(*)::int8 FROM images", as: Int.self) == 0)
            let files = FileManager.default.enumerator(atPath: h.storage)?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }
            #expect(files ?? [] == [])
        }
    }

    @Test(
        "An SVG that could run script or reach out when opened is refused, fetched or as a data: URI",
        arguments: [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"/>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="https://evil.example/x.png"/></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><a xlink:href="javascript:alert(1)"><rect/></a></svg>"#,
            // Found only by parsing the whole document, not by patterns: entities, a DTD, an element or attribute off the
            // allow-list, a stylesheet brought in, animation that rewrites a link, script split by an entity reference.
            #"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><set attributeName="href" to="javascript:alert(1)"/></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>@import url(https://evil.example/x.css);</style></svg>"#,
            #"<?xml-stylesheet href="https://evil.example/x.css"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" style="fill: url( 'https://evil.example/p.svg#x')"/></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect formaction="x" width="1"/></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><a href="jav&#x61;script:alert(1)"><rect/></a></svg>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/>"#,
        ])
    func unsafeSVG(svg: String) async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["data:image/svg+xml;base64," + Data(svg.utf8).base64EncodedString()])
            #expect(try await h.run(generation).status == .ok)
            let (status, message) = try await h.status(generation.id)
            #expect(status == "failed")
            #expect(message?.hasPrefix("Output 1 is an SVG that contains") == true, "\(String(describing: message))")
        }
    }

    @Test("A plain SVG (gradients, links and styles within the file, an embedded PNG) is stored")
    func plainSVG() async throws {
        try await withHarness { h in
            let svg = """
                <?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 32 16">\
                <defs><linearGradient id="g"><stop offset="0" stop-color="orange"/><stop offset="1" stop-color="red"/></linearGradient>\
                <style>.a { fill: url(#g); }</style></defs><rect class="a" width="32" height="16"/><use xlink:href="#g"/>\
                <image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>
                """
            let generation = try await h.generation(outputs: ["data:image/svg+xml;base64," + Data(svg.utf8).base64EncodedString()])
            #expect(try await h.run(generation).status == .ok)
            #expect(try await h.status(generation.id).0 == "completed")
        }
    }

    @Test("A body that trickles in forever is cut off at the fetch deadline and retried later", .timeLimit(.minutes(1)))
    func slowDrip() async throws {
        try await withHarness(timeout: 3) { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/drip.png"])
            let response = try await h.run(generation)
            #expect(response.status == .serviceUnavailable)
            #expect(String(buffer: response.body).contains("did not finish within"))
            #expect(try await h.status(generation.id).0 == "downloading")
        }
    }

    @Test("A retry after a crash mid-download replaces the partial file; running again keeps one row and one completion")
    func idempotentRetry() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/image.png"])
            // What a crashed attempt leaves behind: a stale file at the final path, nothing in the database.
            let directory = "\(h.storage)/\(generation.id.uuidString.lowercased().prefix(2))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let final = "\(directory)/\(generation.id.uuidString.lowercased()).png"
            FileManager.default.createFile(atPath: final, contents: Data("partial".utf8))
            #expect(try await h.run(generation).status == .ok)
            #expect(try await h.run(generation).status == .ok)
            #expect(FileManager.default.contents(atPath: final) == Data(Self.png))
            #expect(try await scalar(h.database, "SELECT count(*)::int8 FROM images", as: Int.self) == 1)
            let completions = try await scalar(
                h.database, "SELECT count(*)::int8 FROM generation_events WHERE generation_id = \(generation.id) AND status = 'completed'",
                as: Int.self
            )
            #expect(completions == 1)
        }
    }

    @Test("Bytes that are not an image fail the generation with a clear, permanent error")
    func notAnImage() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/page.html"])
            #expect(try await h.run(generation).status == .ok)
            let (status, message) = try await h.status(generation.id)
            #expect(status == "failed")
            #expect(message?.contains("not a PNG, JPEG, WebP, GIF or SVG") == true)
            #expect(try FileManager.default.subpathsOfDirectory(atPath: h.storage).allSatisfy { !$0.hasSuffix(".download") && !$0.hasSuffix(".tmp") })
        }
    }

    @Test("An output Replicate already deleted (404) fails the generation at once, saying why, instead of retrying for hours")
    func expiredOutput() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/expired.png"])
            let response = try await h.run(generation)
            #expect(response.status == .ok)  // done: not retried
            let (status, message) = try await h.status(generation.id)
            #expect(status == "failed")
            #expect(message == "Output 1 is no longer available (Replicate deletes outputs an hour after the prediction)")
        }
    }

    @Test("The size cap is enforced while streaming")
    func sizeCap() async throws {
        try await withHarness(maxBytes: 100_000) { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/huge.png"])
            #expect(try await h.run(generation).status == .ok)
            let (status, message) = try await h.status(generation.id)
            #expect(status == "failed")
            #expect(message?.contains("100000-byte limit") == true)
        }
    }

    @Test(
        "Hosts outside the allow-list, private addresses and redirects elsewhere are refused without a fetch",
        arguments: [
            "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x.png", "ftp://127.0.0.1/x.png",
        ])
    func refusedURLs(url: String) async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: [url])
            #expect(try await h.run(generation).status == .ok)
            let (status, message) = try await h.status(generation.id)
            #expect(status == "failed")
            #expect(message == "Output 1 comes from an address that may not be fetched", "\(String(describing: message))")
        }
    }

    @Test("A bare allow-list entry admits https only, and a host resolving to a private address is refused after DNS")
    func privateAfterResolution() async throws {
        try await withHarness(allowed: "localhost") { h in
            // The job's result keeps the detail for operators; the user reads a plain reason.
            let https = try await h.generation(outputs: ["https://localhost/image.png"])
            #expect(Self.reason(try await h.run(https))?.contains("private address") == true)
            #expect(try await h.status(https.id).1 == "Output 1 comes from an address that may not be fetched")
            let plain = try await h.generation(outputs: ["http://localhost/image.png"])
            #expect(Self.reason(try await h.run(plain))?.contains("not allowed") == true)
            #expect(try await h.status(plain.id).1 == "Output 1 comes from an address that may not be fetched")
        }
    }

    @Test("Redirects are followed only to allowed hosts")
    func redirects() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["\(h.origin)/redirect"])
            #expect(Self.reason(try await h.run(generation))?.contains("https://example.com/elsewhere.png is not allowed") == true)
            #expect(try await h.status(generation.id).0 == "failed")
        }
    }

    @Test("data: URIs are decoded locally under the same checks")
    func dataURIs() async throws {
        try await withHarness { h in
            let generation = try await h.generation(outputs: ["data:image/png;base64,\(Data(Self.png).base64EncodedString())"])
            #expect(try await h.run(generation).status == .ok)
            #expect(try await h.status(generation.id).0 == "completed")
        }
    }

    @Test("A generation that is not downloading yet is retried later; a finished one is left alone")
    func wrongState() async throws {
        try await withHarness { h in
            let early = try await h.generation(outputs: ["\(h.origin)/image.png"], status: "processing")
            let response = try await h.run(early)
            #expect(response.status == .serviceUnavailable)
            let done = try await h.generation(outputs: ["\(h.origin)/image.png"], status: "completed")
            #expect(try await h.run(done).status == .ok)
            #expect(try await scalar(h.database, "SELECT count(*)::int8 FROM images", as: Int.self) == 0)
        }
    }
}
