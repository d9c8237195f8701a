import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PublicAPI
import TestSupport
import Testing
import WireFormat

/// `POST /v1/files` and file ids in requests: an image uploaded once, checked and stripped, named by id, fetched by
/// Replicate through its link.
@Suite("Input files")
struct InputFileTests {
    func file(_ response: TestResponse) throws -> InputFileBody {
        try JSONCoding.decoder().decode(InputFileBody.self, from: Data(buffer: response.body))
    }

    func upload(_ g: GatewayHarness, _ bytes: [UInt8], type: String = "image/jpeg", token: String? = nil) async throws -> InputFileBody {
        let response = try await g.call(.post, "/v1/files", token: token ?? g.aliceToken, headers: [.contentType: type], bytes: bytes)
        guard response.status == .created else {
            throw TestEnvironmentError(description: "upload answered \(response.status): \(String(buffer: response.body))")
        }
        return try file(response)
    }

    /// The path and query of a content link (the harness's gateway is not at the public URL the link names).
    func local(_ url: String) -> String { String(url.dropFirst("http://127.0.0.1:8080".count)) }

    /// The fields a problem's errors name (none when the body is not one).
    func errors(_ response: TestResponse) -> [String] {
        guard case .array(let items)? = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body)))?.object?["errors"] else {
            return []
        }
        return items.compactMap { $0.object?["field"]?.string }
    }

    @Test("An upload is judged by its bytes, stored without its EXIF, and served by its link to whoever holds it, to no one else by id")
    func uploadAndServe() async throws {
        try await GatewayHarness.run { g in
            let original = SampleImages.jpeg(width: 800, height: 600)
            let created = try await upload(g, original)
            #expect(created.contentType == "image/jpeg" && created.width == 800 && created.height == 600)
            #expect(created.sizeBytes == SampleImages.jpeg(metadata: false).count && created.sizeBytes < original.count)
            #expect(created.expiresAt.timeIntervalSince(created.createdAt) > 23.9 * 3600)
            #expect(created.url.hasPrefix("http://127.0.0.1:8080/v1/files/\(created.id.lowercase)/content?token="))

            // The link needs no bearer token; the bytes are the image without its metadata.
            let content = try await g.call(.get, local(created.url))
            #expect(content.status == .ok && content.headers[.contentType] == "image/jpeg")
            #expect(Array(content.body.readableBytesView) == SampleImages.jpeg(metadata: false))
            #expect(!SampleImages.contains(Array(content.body.readableBytesView), SampleImages.secret))
            let wrongToken = try await g.call(.get, "/v1/files/\(created.id.lowercase)/content?token=guess")
            #expect(wrongToken.status == .notFound)
            // A token PostgreSQL could not even compare (a NUL byte, percent-encoded) is as unknown as a wrong one.
            let nulToken = try await g.call(.get, "/v1/files/\(created.id.lowercase)/content?token=ab%00cd")
            #expect(nulToken.status == .notFound, "\(nulToken.status)")

            // The owner reads and lists it; another user sees nothing by its id.
            #expect(try file(try await g.call(.get, "/v1/files/\(created.id.lowercase)", token: g.aliceToken)) == created)
            let list = try JSONCoding.decoder().decode(
                InputFileList.self, from: Data(buffer: try await g.call(.get, "/v1/files", token: g.aliceToken).body))
            #expect(list.data == [created])
            #expect(try await g.call(.get, "/v1/files/\(created.id.lowercase)", token: g.bobToken).status == .notFound)
            #expect(try await g.call(.delete, "/v1/files/\(created.id.lowercase)", token: g.bobToken).status == .notFound)
            #expect(try await g.call(.get, "/v1/files", token: g.bobToken).body.readableBytes < 20)

            // Usage counts what is stored.
            let usage = try JSONCoding.decoder().decode(
                UsageReport.self, from: Data(buffer: try await g.call(.get, "/v1/usage", token: g.aliceToken).body))
            #expect(usage.files == InputFileUsage(count: 1, bytes: created.sizeBytes))

            // Deleted: gone by id and by link at once.
            #expect(try await g.call(.delete, "/v1/files/\(created.id.lowercase)", token: g.aliceToken).status == .noContent)
            #expect(try await g.call(.get, "/v1/files/\(created.id.lowercase)", token: g.aliceToken).status == .notFound)
            #expect(try await g.call(.get, local(created.url)).status == .notFound)
        }
    }

    @Test("Multipart takes the part named file; the wrong thing gets a clear 4xx naming file, and nothing is stored")
    func refusals() async throws {
        try await GatewayHarness.run(inputFiles: InputFileSettings(maxBytes: 4096, retentionHours: 1, publicURL: "http://127.0.0.1:8080/")) {
            g in
            let boundary = "XyZ-boundary"
            var multipart = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
            multipart += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\n".utf8)
            multipart +=
                Array("Content-Type: image/png\r\n\r\n".utf8) + SampleImages.png(width: 64, height: 48) + Array("\r\n--\(boundary)--\r\n".utf8)
            let form = try await upload(g, multipart, type: "multipart/form-data; boundary=\(boundary)")
            #expect(
                form.contentType == "image/png" && form.width == 64 && form.height == 48 && form.sizeBytes == SampleImages.png(metadata: false).count)
            #expect(form.expiresAt.timeIntervalSince(form.createdAt) < 3601)

            func post(_ bytes: [UInt8], type: String) async throws -> TestResponse {
                try await g.call(.post, "/v1/files", token: g.aliceToken, headers: [.contentType: type], bytes: bytes)
            }
            let noPart = try await post(
                Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--\(boundary)--\r\n".utf8),
                type: "multipart/form-data; boundary=\(boundary)")
            #expect(noPart.status == .unprocessableContent && (errors(noPart)) == ["file"])
            let text = try await post(Array("hello".utf8), type: "text/plain")
            #expect(text.status == .unsupportedMediaType)
            let html = try await post(Array("<html><body>not an image</body></html>".utf8), type: "image/png")
            #expect(html.status == .unprocessableContent && (errors(html)) == ["file"])
            let svg = try await post(
                Array(#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#.utf8), type: "application/octet-stream")
            #expect(svg.status == .unprocessableContent)
            let mislabelled = try await post(SampleImages.png(), type: "image/jpeg")
            #expect(mislabelled.status == .unprocessableContent && String(buffer: mislabelled.body).contains("image/png"))
            let truncated = try await post(Array(SampleImages.png().prefix(60)), type: "image/png")
            #expect(truncated.status == .unprocessableContent)
            let large = try await post(SampleImages.png() + [UInt8](repeating: 0, count: 5000), type: "image/png")
            #expect(large.status == .contentTooLarge)
            let largePart = try await post(
                Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n".utf8) + [UInt8](repeating: 7, count: 6000)
                    + Array("\r\n--\(boundary)--\r\n".utf8),
                type: "multipart/form-data; boundary=\(boundary)")
            #expect(largePart.status == .contentTooLarge)
            #expect(try await count(g, "SELECT count(*)::int8 FROM input_files") == 1)
            // Direct uploads need a bucket; with files on disk the answer says where to send the image instead.
            let direct = try await g.call(.post, "/v1/files/uploads", token: g.aliceToken)
            #expect(direct.status == .conflict && String(buffer: direct.body).contains("POST /v1/files"))
        }
    }

    func count(_ g: GatewayHarness, _ sql: PostgresQuery) async throws -> Int { try await firstRow(g.database, sql, as: Int.self) }

    @Test("A file id in source_image_url and mask_image_url becomes its link; another user's id is refused and nothing is written")
    func fileIDsInRequests() async throws {
        try await GatewayHarness.run { g in
            let source = try await upload(g, SampleImages.jpeg())
            let mask = try await upload(g, SampleImages.png(), type: "image/png")
            let id = try await g.create(
                #"{"prompt": "as a watercolour", "model_id": "black-forest-labs/flux-dev", "source_image_url": "\#(source.id.lowercase)", "strength": 0.6}"#
            )
            let shown = try g.object(try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken))
            #expect(shown["source_image_url"]?.string == source.url)
            let inpaint = try await g.create(
                #"{"prompt": "a red door", "model_id": "stability-ai/sdxl", "source_image_url": "\#(source.id.uuidString)", "mask_image_url": "\#(mask.id.lowercase)"}"#
            )
            let stored = try g.object(try await g.call(.get, "/v1/generations/\(inpaint)", token: g.aliceToken))
            #expect(stored["source_image_url"]?.string == source.url && stored["mask_image_url"]?.string == mask.url)

            // Bob names Alice's file: refused as if it did not exist, and he has no generation.
            let stolen = try await g.call(
                .post, "/v1/generations",
                json: #"{"prompt": "x", "model_id": "black-forest-labs/flux-dev", "source_image_url": "\#(source.id.lowercase)"}"#, token: g.bobToken)
            #expect(stolen.status == .unprocessableContent && (errors(stolen)) == ["source_image_url"], "\(String(buffer: stolen.body))")
            #expect(try await count(g, "SELECT count(*)::int8 FROM image_generations WHERE user_id = \(g.bob)") == 0)

            // In a batch: the item that names it is listed by index; nothing is created.
            let batch = try await g.call(
                .post, "/v1/batches",
                json:
                    #"{"items": [{"prompt": "a", "model_id": "black-forest-labs/flux-schnell"}, {"prompt": "b", "model_id": "black-forest-labs/flux-dev", "source_image_url": "\#(source.id.lowercase)"}]}"#,
                token: g.bobToken)
            #expect(batch.status == .unprocessableContent && (errors(batch)) == ["items[1].source_image_url"], "\(String(buffer: batch.body))")
            #expect(try await count(g, "SELECT count(*)::int8 FROM batches WHERE user_id = \(g.bob)") == 0)

            // The models' own rules: a mask needs a model that takes one, and Ideogram edits only with a mask.
            let noMask = try await g.call(
                .post, "/v1/generations",
                json:
                    #"{"prompt": "x", "model_id": "black-forest-labs/flux-dev", "source_image_url": "\#(source.id.lowercase)", "mask_image_url": "\#(mask.id.lowercase)"}"#,
                token: g.aliceToken)
            #expect(noMask.status == .unprocessableContent && (errors(noMask)) == ["mask_image_url"])
            let ideogram = try await g.call(
                .post, "/v1/generations",
                json: #"{"prompt": "x", "model_id": "ideogram-ai/ideogram-v3-turbo", "source_image_url": "\#(source.id.lowercase)"}"#,
                token: g.aliceToken)
            #expect(ideogram.status == .unprocessableContent && (errors(ideogram)) == ["mask_image_url"])

            // Expired: no longer found, by id or in a request, and swept by maintenance.
            try await g.database.query("UPDATE input_files SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'")
            #expect(try await g.call(.get, "/v1/files/\(source.id.lowercase)", token: g.aliceToken).status == .notFound)
            let late = try await g.call(
                .post, "/v1/generations",
                json: #"{"prompt": "x", "model_id": "black-forest-labs/flux-dev", "source_image_url": "\#(source.id.lowercase)"}"#,
                token: g.aliceToken)
            #expect(late.status == .unprocessableContent)
            #expect(try await InputFileStore(client: g.database, logger: TestDatabase.logger).removeExpired() == 2)
        }
    }
}
