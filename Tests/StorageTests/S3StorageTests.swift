import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Storage
import TestSupport
import Testing

/// The S3 client and streaming writer against a real S3-compatible server (moto).
@Suite("S3 storage", .serialized)
struct S3StorageTests {
    static func client(_ server: S3TestServer, bucket: String = "images-\(UUID().uuidString.lowercased().prefix(8))") async throws -> S3Client {
        let location = try S3Location.parse("s3://\(bucket)/pre/fix?endpoint=\(server.endpoint)&region=eu-west-1&path_style=true")
        let client = S3Client(location: location, credentials: .init(accessKeyID: "testing", secretAccessKey: "testing"), http: .shared)
        try await client.createBucket()
        return client
    }

    static func read(_ response: HTTPClientResponse) async throws -> [UInt8] {
        Array(try await response.body.collect(upTo: 64 << 20).readableBytesView)
    }

    @Test("STORAGE_URL parses into bucket, prefix, endpoint, region and addressing; mistakes name themselves")
    func parse() throws {
        let location = try S3Location.parse("s3://bucket/a/b?endpoint=http://127.0.0.1:9000&region=eu-west-1&path_style=true")
        #expect(location == S3Location(bucket: "bucket", prefix: "a/b", endpoint: "http://127.0.0.1:9000", region: "eu-west-1", pathStyle: true))
        #expect(location.address("a/b/x y.png").path == "/bucket/a/b/x%20y.png")
        let aws = try S3Location.parse("s3://bucket")
        #expect(aws.endpoint == "https://s3.us-east-1.amazonaws.com" && !aws.pathStyle)
        #expect(aws.address("k.png").host == "bucket.s3.us-east-1.amazonaws.com")
        #expect(throws: StorageURLError.self) { try S3Location.parse("s3:///nobucket") }
        #expect(throws: StorageURLError.self) { try S3Location.parse("s3://b?color=red") }
        #expect(throws: StorageURLError.self) { try S3Location.parse("s3://b?endpoint=ftp://x") }
    }

    @Test("A small object is one PUT; it reads back with its type, and a range of it")
    func smallObject() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        let bytes = [UInt8]((0..<1000).map { UInt8($0 % 251) })
        let writer = S3ObjectWriter(client: client, key: client.location.key("ab/small.png"), contentType: "image/png")
        try await writer.append(bytes)
        let (size, digest) = try await writer.commit()
        #expect(size == 1000 && digest == SHA256.hash(data: bytes).hexString)
        let whole = try await client.get(client.location.key("ab/small.png"))
        #expect(whole.headers.first(name: "Content-Type") == "image/png")
        #expect(try await Self.read(whole) == bytes)
        #expect(try await Self.read(try await client.get(client.location.key("ab/small.png"), range: "bytes=10-19")) == Array(bytes[10...19]))
    }

    @Test("A large object streams as a multipart upload, one part in memory at a time, and reads back whole")
    func multipart() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        let key = client.location.key("cd/large.png")
        let writer = S3ObjectWriter(client: client, key: key, contentType: "image/png")
        var hasher = SHA256()
        for chunk in 0..<192 {  // 12 MiB in 64 KiB chunks: three parts of 5, 5 and 2 MiB
            let bytes = [UInt8](repeating: UInt8(chunk), count: 64 << 10)
            hasher.update(data: bytes)
            try await writer.append(bytes)
        }
        let (size, digest) = try await writer.commit()
        #expect(size == 12 << 20)
        #expect(digest == hasher.finalize().hexString)
        let back = try await Self.read(try await client.get(key))
        #expect(back.count == 12 << 20 && SHA256.hash(data: back).hexString == digest)
    }

    @Test("A multipart upload committed under another name is copied there with its content type, and its own key is gone")
    func multipartRenamed() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        let storage = S3ImageStorage(client: client)
        let writer = try await storage.writer(for: "mn/gen.download")
        let bytes = [UInt8](repeating: 9, count: 6 << 20)  // two parts
        try await writer.append(bytes)
        let (size, _) = try await writer.commit(as: "mn/gen.webp", contentType: "image/webp")
        #expect(size == 6 << 20)
        #expect(try await client.list(prefix: client.location.key("mn/")).objects.map(\.key) == [client.location.key("mn/gen.webp")])
        let object = try await client.get(client.location.key("mn/gen.webp"))
        #expect(object.headers.first(name: "Content-Type") == "image/webp")
        #expect(try await Self.read(object) == bytes)
    }

    @Test("An aborted upload leaves nothing; copy, list and delete; deleting again succeeds")
    func lifecycle() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        let aborted = S3ObjectWriter(client: client, key: client.location.key("ef/aborted.png"), contentType: "image/png")
        try await aborted.append([UInt8](repeating: 7, count: 6 << 20))  // one part already sent
        await aborted.abort()
        await #expect(throws: S3Client.Failure.self) { _ = try await client.get(client.location.key("ef/aborted.png")) }
        try await client.put(client.location.key("ef/a.download"), bytes: [1, 2, 3], contentType: "application/octet-stream")
        try await client.copy(client.location.key("ef/a.download"), to: client.location.key("ef/a.png"), contentType: "image/png")
        try await client.delete(client.location.key("ef/a.download"))
        let listed = try await client.list(prefix: client.location.key("ef/"))
        #expect(listed.objects.map(\.key) == [client.location.key("ef/a.png")])
        #expect(listed.objects.first.map { abs($0.modified.timeIntervalSinceNow) < 300 } == true)
        let copied = try await client.get(client.location.key("ef/a.png"))
        #expect(copied.headers.first(name: "Content-Type") == "image/png")
        try await client.delete(client.location.key("ef/a.png"))
        try await client.delete(client.location.key("ef/a.png"))
        #expect(try await client.list(prefix: client.location.key("ef/")).objects.isEmpty)
    }

    @Test("As image storage: a write is invisible until committed as its typed path, is listed by age and removed")
    func imageStorage() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        let storage = S3ImageStorage(client: client)
        let writer = try await storage.writer(for: "ij/gen.download")
        try await writer.append(Array("hello ".utf8))
        try await writer.append(Array("world".utf8))
        #expect(try await client.list(prefix: client.location.key("ij/")).objects.isEmpty)
        let (size, digest) = try await writer.commit(as: "ij/gen.png", contentType: "image/png")
        #expect(size == 11 && digest == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        #expect(try await storage.files(olderThan: .seconds(3600)).isEmpty)
        #expect(try await storage.files(olderThan: .seconds(-60)) == ["ij/gen.png"])
        let object = try await client.get(client.location.key("ij/gen.png"))
        #expect(object.headers.first(name: "Content-Type") == "image/png")
        #expect(try await Self.read(object) == Array("hello world".utf8))
        await #expect(throws: (any Error).self) { _ = try await storage.writer(for: "../escape") }
        try await storage.remove("ij/gen.png")
        #expect(try await storage.files(olderThan: .seconds(-60)).isEmpty)
    }

    @Test("STORAGE_URL wins over STORAGE_DIR; S3 needs the AWS_* credentials")
    func setting() throws {
        #expect(try StorageSetting.parse(url: nil, directory: "/d", environment: [:]) == .directory("/d"))
        #expect(try StorageSetting.parse(url: "file:///data/images", directory: "/d", environment: [:]) == .directory("/data/images"))
        let s3 = try StorageSetting.parse(
            url: "s3://b/p", directory: "/d", environment: ["AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "t"]
        )
        #expect(s3 == .s3(try S3Location.parse("s3://b/p"), .init(accessKeyID: "id", secretAccessKey: "secret", sessionToken: "t")))
        #expect(throws: StorageURLError.self) { try StorageSetting.parse(url: "s3://b", directory: "/d", environment: [:]) }
        #expect(throws: StorageURLError.self) { try StorageSetting.parse(url: "file://relative", directory: "/d", environment: [:]) }
        #expect(throws: StorageURLError.self) { try StorageSetting.parse(url: "gs://b", directory: "/d", environment: [:]) }
    }

    @Test("A retry after an upload that broke off writes the whole object again; nothing of the broken one is left")
    func retry() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        let key = client.location.key("kl/gen.download")
        // An attempt that died after sending one part (as a crashed downloader would leave it), then the retry.
        let broken = S3ObjectWriter(client: client, key: key, contentType: "application/octet-stream")
        try await broken.append([UInt8](repeating: 1, count: 6 << 20))
        #expect(try await client.list(prefix: client.location.key("kl/")).objects.isEmpty)
        let retry = S3ObjectWriter(client: client, key: key, contentType: "application/octet-stream")
        try await retry.append([UInt8](repeating: 2, count: 1000))
        _ = try await retry.commit()
        #expect(try await Self.read(try await client.get(key)) == [UInt8](repeating: 2, count: 1000))
        await broken.abort()  // what a bucket lifecycle rule (AbortIncompleteMultipartUpload) does to a crashed upload
        #expect(try await Self.read(try await client.get(key)) == [UInt8](repeating: 2, count: 1000))
    }

    @Test("A presigned GET fetches the object with no credentials")
    func presigned() async throws {
        let server = try await S3TestServer()
        let client = try await Self.client(server)
        try await client.put(client.location.key("gh/p.png"), bytes: [9, 8, 7], contentType: "image/png")
        let url = client.presignedGET(client.location.key("gh/p.png"), seconds: 3600)
        #expect(url.contains("X-Amz-Signature="))
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        #expect(response.status == .ok)
        #expect(try await Self.read(response) == [9, 8, 7])
    }
}
