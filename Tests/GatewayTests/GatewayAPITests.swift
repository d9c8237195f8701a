import AsyncHTTPClient
import Catalog
import Database
import Foundation
import GatewayService
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import PostgresNIO
import ReplicateAPI
import ServiceKit
import TestSupport
import Testing
import WireFormat

@Suite("Gateway API")
struct GatewayAPITests {
    @Test("Missing, malformed, expired, wrongly signed and alg:none tokens are refused with 401 problem+json")
    func authentication() async throws {
        try await GatewayHarness.run { g in
            let expired = try await UserAuthenticator(secret: GatewayHarness.secret).token(for: g.alice, lifetime: -60)
            let wrongKey = try await UserAuthenticator(secret: "another-secret-0123456789-0123456789-xyz").token(for: g.alice)
            func b64(_ s: String) -> String {
                Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_")
            }
            let none = b64(#"{"alg":"none","typ":"JWT"}"#) + "." + b64(#"{"sub":"\#(g.alice)","exp":4102444800}"#) + "."
            for token in [nil, "not-a-jwt", expired, wrongKey, none] {
                let response = try await g.call(.get, "/v1/generations", token: token)
                #expect(response.status == .unauthorized, "token \(token ?? "nil")")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await g.call(.get, "/v1/generations", token: g.aliceToken).status == .ok)
        }
    }

    @Test("Invalid bodies answer 422 listing every offending field; non-JSON answers 400; nothing is written")
    func validation() async throws {
        try await GatewayHarness.run { g in
            let response = try await g.call(
                .post, "/v1/generations",
                json: #"{"prompt": "  ", "model_id": "black-forest-labs/flux-dev", "width": 5000, "strength": 3, "colour": "red"}"#,
                token: g.aliceToken
            )
            #expect(response.status == .unprocessableContent)
            let body = try g.object(response)
            guard case .array(let errors)? = body["errors"] else {
                Issue.record("no errors")
                return
            }
            let fields = errors.compactMap { if case .object(let e) = $0 { e["field"]?.string } else { nil } }
            #expect(Set(fields) == ["prompt", "width", "strength", "colour"])
            #expect(try await g.call(.post, "/v1/generations", json: "{nope", token: g.aliceToken).status == .badRequest)
            #expect(try await g.call(.post, "/v1/generations", json: "[1]", token: g.aliceToken).status == .badRequest)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 0)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM job_queue", as: Int.self) == 0)
        }
    }

    @Test("A generation and its job are written in one transaction: a failed enqueue leaves neither")
    func atomicCreate() async throws {
        try await GatewayHarness.run { g in
            try await g.database.query(
                """
                CREATE FUNCTION test_refuse_job() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END;
                $$ LANGUAGE plpgsql
                """
            )
            try await g.database.query("CREATE TRIGGER test_refuse BEFORE INSERT ON job_queue FOR EACH ROW EXECUTE FUNCTION test_refuse_job()")
            let response = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#, token: g.aliceToken)
            // The database cannot write now (its disk is full): 503 problem+json, try again.
            #expect(response.status == .serviceUnavailable && response.headers[.contentType] == "application/problem+json")
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 0)
            // A statement the database refuses is a fault of ours, not an outage: 500, not "try again".
            try await g.database.query(
                "CREATE OR REPLACE FUNCTION test_refuse_job() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END; $$ LANGUAGE plpgsql")
            let refused = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#, token: g.aliceToken)
            #expect(refused.status == .internalServerError && refused.headers[.retryAfter] == nil)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 0)
            try await g.database.query("DROP TRIGGER test_refuse ON job_queue")
            _ = try await g.create()
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM job_queue WHERE job_type = 'generate-image'", as: Int.self) == 1)
        }
    }

    @Test("Concurrent duplicates with one Idempotency-Key create exactly one generation; another body with the key is 409")
    func idempotency() async throws {
        try await GatewayHarness.run { g in
            let body = #"{"prompt": "once", "model_id": "google/imagen-4-fast"}"#
            let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await g.call(
                            .post, "/v1/generations", json: body, token: g.aliceToken, headers: [.idempotencyKey: "key-1"])
                        return try g.object(response)["id"]?.string
                    }
                }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(ids.count == 1 && ids.first! != nil)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 1)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM job_queue", as: Int.self) == 1)
            let other = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "twice", "model_id": "google/imagen-4-fast"}"#, token: g.aliceToken,
                headers: [.idempotencyKey: "key-1"]
            )
            #expect(other.status == .conflict)
            // The same key belongs to each user separately.
            #expect(
                try await g.call(.post, "/v1/generations", json: body, token: g.bobToken, headers: [.idempotencyKey: "key-1"]).status == .accepted)
        }
    }

    @Test("A user sees only their own generations and images: another user's ids answer 404")
    func isolation() async throws {
        try await GatewayHarness.run { g in
            let id = try await g.create()
            #expect(try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken).status == .ok)
            #expect(try await g.call(.get, "/v1/generations/\(id)", token: g.bobToken).status == .notFound)
            #expect(try await g.call(.post, "/v1/generations/\(id)/cancel", token: g.bobToken).status == .notFound)
            #expect(try await g.call(.get, "/v1/generations/\(id)/events", token: g.bobToken).status == .notFound)
            let list = try g.object(try await g.call(.get, "/v1/generations", token: g.bobToken))
            #expect(list["data"] == .array([]))
            let imageID = UUID()
            try await g.database.query(
                """
                INSERT INTO images (id, generation_id, user_id, filename, storage_path, public_url, file_size, width, height, format, content_type, sha256)
                VALUES (\(imageID), \(UUID(uuidString: id)!), \(g.alice), 'a.png', 'a/a.png', 'http://x/a.png', 1, 1, 1, 'png', 'image/png', 'x')
                """
            )
            #expect(try await g.call(.get, "/v1/images/\(imageID)", token: g.aliceToken).status == .ok)
            #expect(try await g.call(.get, "/v1/images/\(imageID)", token: g.bobToken).status == .notFound)
        }
    }

    @Test("Listing filters by status and pages with a stable cursor")
    func listing() async throws {
        try await GatewayHarness.run { g in
            var created: [String] = []
            for _ in 0..<7 { created.append(try await g.create()) }
            _ = try await g.call(.post, "/v1/generations/\(created[0])/cancel", token: g.aliceToken)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let path = "/v1/generations?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try g.object(try await g.call(.get, path, token: g.aliceToken))
                guard case .array(let data)? = page["data"] else {
                    Issue.record("no data")
                    return
                }
                seen += data.compactMap { if case .object(let item) = $0 { item["id"]?.string } else { nil } }
                cursor = page["next_cursor"]?.string
                _ = try await g.create()  // inserts during paging must not shift pages
            } while cursor != nil
            #expect(Array(seen.prefix(7)) == created.reversed())
            let cancelled = try g.object(try await g.call(.get, "/v1/generations?status=cancelled", token: g.aliceToken))
            #expect(cancelled["data"].map { if case .array(let d) = $0 { d.count } else { -1 } } == 1)
            let bad = try await g.call(.get, "/v1/generations?status=nope&limit=0&cursor=zz", token: g.aliceToken)
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test("Another user's generation as a cursor tells nothing: the page is the same as for an id that does not exist")
    func cursorIsScopedToTheUser() async throws {
        try await GatewayHarness.run { g in
            for _ in 0..<3 { _ = try await g.create() }
            let bobs = try await g.create(token: g.bobToken)
            func page(_ cursor: String) async throws -> String {
                String(buffer: try await g.call(.get, "/v1/generations?cursor=\(cursor)", token: g.aliceToken).body)
            }
            let foreign = try await page(bobs)
            #expect(foreign == (try await page(UUID().uuidString.lowercased())))
            #expect(foreign.contains(#""data":[]"#))
        }
    }

    @Test("Cancel marks a queued generation cancelled and cancels its job; cancelling again is 409")
    func cancel() async throws {
        try await GatewayHarness.run { g in
            let id = try await g.create()
            let response = try await g.call(.post, "/v1/generations/\(id)/cancel", token: g.aliceToken)
            #expect(response.status == .ok)
            #expect(try g.object(response)["status"] == .string("cancelled"))
            #expect(try await scalar(g.database, "SELECT status FROM job_queue", as: String.self) == "cancelled")
            #expect(try await g.call(.post, "/v1/generations/\(id)/cancel", token: g.aliceToken).status == .conflict)
        }
    }

    @Test(
        "Delete cancels a running generation, removes its images' rows, hands their files to the downloader in the same transaction, hides it, keeps it in usage; again is 204"
    )
    func delete() async throws {
        try await GatewayHarness.run { g in
            let id = try await g.create()
            let generation = UUID(uuidString: id)!
            try FileManager.default.createDirectory(atPath: g.storage + "/\(g.alice)", withIntermediateDirectories: true)
            let file = g.storage + "/\(g.alice)/\(id).png"
            FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3]))
            let imageID = UUID()
            try await g.database.query(
                """
                INSERT INTO images (id, generation_id, user_id, filename, storage_path, public_url, file_size, width, height, format, content_type, sha256)
                VALUES (\(imageID), \(generation), \(g.alice), 'a.png', \("\(g.alice)/\(id).png"), 'http://x/a.png', 3, 1, 1, 'png', 'image/png', 'x')
                """
            )
            #expect(try await g.call(.delete, "/v1/generations/\(id)", token: g.bobToken).status == .notFound)
            #expect(FileManager.default.fileExists(atPath: file))
            #expect(try await g.call(.delete, "/v1/generations/\(id)", token: g.aliceToken).status == .noContent)
            // The gateway touches no file: the same transaction handed their removal to the downloader, which owns them.
            #expect(FileManager.default.fileExists(atPath: file))
            let removal = try await scalar(
                g.database, "SELECT payload::text FROM job_queue WHERE job_type = 'delete-files' AND status = 'pending'", as: String.self
            )
            let payload = try JSONCoding.decoder().decode(DeleteFiles.Payload.self, from: Data(removal.utf8))
            #expect(payload == DeleteFiles.Payload(generationId: generation, paths: ["\(g.alice)/\(id).png"]))
            #expect(try await scalar(g.database, "SELECT status FROM image_generations", as: String.self) == "cancelled")
            #expect(try await scalar(g.database, "SELECT status FROM job_queue WHERE job_type = 'generate-image'", as: String.self) == "cancelled")
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM images", as: Int.self) == 0)
            #expect(
                try await scalar(g.database, "SELECT string_agg(event, ',' ORDER BY id) FROM generation_events", as: String.self)
                    == "created,cancelled,deleted")
            #expect(try await g.call(.get, "/v1/generations/\(id)", token: g.aliceToken).status == .notFound)
            #expect(try await g.call(.get, "/v1/images/\(imageID)", token: g.aliceToken).status == .notFound)
            #expect(try g.object(try await g.call(.get, "/v1/generations", token: g.aliceToken))["data"] == .array([]))
            let usage = try g.object(try await g.call(.get, "/v1/usage?group_by=model", token: g.aliceToken))
            guard case .object(let total)? = usage["total"] else {
                Issue.record("no usage total")
                return
            }
            #expect(total["images"] == .int(1))  // a deleted generation's images still count as made
            #expect(try await g.call(.delete, "/v1/generations/\(id)", token: g.aliceToken).status == .noContent)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM generation_events WHERE event = 'deleted'", as: Int.self) == 1)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM job_queue WHERE job_type = 'delete-files'", as: Int.self) == 1)
        }
    }

    @Test("The console is served with its own scripts only: strict CSP, no inline code, every asset it names exists")
    func console() async throws {
        try await GatewayHarness.run { g in
            let page = try await g.call(.get, "/console")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            let html = String(buffer: page.body)
            #expect(!html.contains("<script>") && !html.contains("style=\""))
            for asset in ["/console/console.js", "/console/console.css", "/console/favicon.svg"] {
                #expect(html.contains(asset))
                #expect(try await g.call(.get, asset).status == .ok)
            }
            #expect(try await g.call(.get, "/console/missing.js").status == .notFound)
        }
    }

    @Test("A per-user cap on running generations answers 429 with Retry-After; a repeat of an idempotent request still answers")
    func activeCap() async throws {
        try await GatewayHarness.run(maxActivePerUser: 2) { g in
            let body = #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#
            let first = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            #expect(first.status == .accepted)
            _ = try await g.create()
            let third = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] == "5")
            #expect(try g.object(third)["detail"]?.string?.contains("2 generations are still running") == true)
            let repeated = try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken, headers: [.idempotencyKey: "k1"])
            #expect(repeated.status == .ok)
            #expect(try g.object(repeated)["id"] == g.object(first)["id"])
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations", as: Int.self) == 2)
            _ = try await g.create(token: g.bobToken)  // the cap is per user
        }
    }

    @Test("Fifty concurrent requests against a cap of 5 create exactly 5 generations; the other 45 answer 429")
    func capIsRaceFree() async throws {
        try await GatewayHarness.run(maxActivePerUser: 5) { g in
            let body = #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 { group.addTask { try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .accepted }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 45)
            #expect(try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations WHERE user_id = \(g.alice)", as: Int.self) == 5)
            // Finishing one frees one slot.
            let id = try await scalar(g.database, "SELECT id FROM image_generations WHERE user_id = \(g.alice) LIMIT 1", as: UUID.self)
            #expect(try await g.call(.post, "/v1/generations/\(id)/cancel", token: g.aliceToken).status == .ok)
            #expect(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status == .accepted)
            #expect(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken).status == .tooManyRequests)
        }
    }

    @Test("A requested priority is capped at GATEWAY_MAX_PRIORITY unless the token's max_priority claim grants more")
    func priorityCeiling() async throws {
        try await GatewayHarness.run { g in
            let body = #"{"prompt": "x", "model_id": "google/imagen-4-fast", "priority": 10}"#
            let capped = try g.object(try await g.call(.post, "/v1/generations", json: body, token: g.aliceToken))
            #expect(capped["priority"] == .int(5))
            let trusted = try await UserAuthenticator(secret: GatewayHarness.secret).token(for: g.alice, maxPriority: 9)
            let raised = try g.object(try await g.call(.post, "/v1/generations", json: body, token: trusted))
            #expect(raised["priority"] == .int(9))
            let low = try g.object(
                try await g.call(
                    .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "google/imagen-4-fast", "priority": 2}"#, token: trusted))
            #expect(low["priority"] == .int(2))
            let jobs = try await scalar(g.database, "SELECT string_agg(priority::text, ',' ORDER BY priority)::text FROM job_queue", as: String.self)
            #expect(jobs == "2,5,9")
        }
    }

    @Test("Prefer: wait returns the finished generation, or 202 when the wait runs out")
    func preferWait() async throws {
        try await GatewayHarness.run { g in
            let pending = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#, token: g.aliceToken,
                headers: [.prefer: "wait=1"]
            )
            #expect(pending.status == .accepted)
            #expect(pending.headers[.preferenceApplied] == "wait=1")
            let body = #"{"prompt": "y", "model_id": "google/imagen-4-fast"}"#
            async let finished = g.call(.post, "/v1/generations", json: body, token: g.aliceToken, headers: [.prefer: "wait=10"])
            try await eventually("the second generation to exist") {
                try await scalar(g.database, "SELECT count(*)::int8 FROM image_generations WHERE prompt = 'y'", as: Int.self) == 1
            }
            try await g.database.query("UPDATE image_generations SET status = 'failed', error_message = 'boom' WHERE prompt = 'y'")
            let response = try await finished
            #expect(response.status == .ok)
            #expect(try g.object(response)["status"] == .string("failed"))
        }
    }

    @Test("The seed's start-generation endpoint keeps its response shape")
    func startGeneration() async throws {
        try await GatewayHarness.run { g in
            let response = try await g.call(
                .post, "/functions/v1/start-generation",
                json: #"{"prompt": "x", "model_id": "black-forest-labs/flux-schnell", "width": 1024, "height": 1024}"#,
                token: g.aliceToken
            )
            let body = try g.object(response)
            #expect(response.status == .ok)
            #expect(body["success"] == .bool(true))
            #expect(body["status"] == .string("queued"))
            #expect(body["generation_id"]?.string != nil && body["job_id"]?.string != nil)
            #expect(body["message"]?.string?.hasPrefix("Image generation started") == true)
            let failed = try g.object(try await g.call(.post, "/functions/v1/start-generation", json: #"{"model_id": "x"}"#, token: g.aliceToken))
            #expect(failed["success"] == .bool(false))
            #expect(failed["error"]?.string?.contains("prompt") == true)
        }
    }

    @Test("Stored files are served with their content type, ETag and byte ranges")
    func files() async throws {
        try await GatewayHarness.run { g in
            let bytes = [UInt8]((0..<1000).map { UInt8($0 % 251) })
            try await g.storeFile("\(g.alice)/g.png", Data(bytes))
            let link = g.fileLink("\(g.alice)/g.png")
            let full = try await g.call(.get, link)
            #expect(full.status == .ok)
            #expect(full.headers[.contentType] == "image/png")
            let etag = try #require(full.headers[.eTag])
            #expect(try await g.call(.get, link, headers: [.ifNoneMatch: etag]).status == .notModified)
            let part = try await g.call(.get, link, headers: [.range: "bytes=10-19"])
            #expect(part.status == .partialContent)
            #expect(Array(part.body.readableBytesView) == Array(bytes[10...19]))
            #expect(try await g.call(.get, g.fileLink("\(g.alice)/../../etc/passwd")).status != .ok)
        }
    }

    @Test("A file is served only through a signed link of its own path that has not expired: else 403, and nothing of it")
    func signedLinks() async throws {
        try await GatewayHarness.run { g in
            try await g.storeFile("ab/x.png", Data([1, 2, 3]))
            try await g.storeFile("ab/y.png", Data([4, 5, 6]))
            let link = g.fileLink("ab/x.png")
            #expect(try await g.call(.get, link).status == .ok)
            #expect(link.contains("?expires=") && link.contains("&sig="))
            let refusals = [
                "/files/ab/x.png",  // unsigned
                link.replacingOccurrences(of: "ab/x.png", with: "ab/y.png"),  // another file's path
                link.replacingOccurrences(of: "expires=", with: "expires=9"),  // a later expiry than signed
                String(link.dropLast(2)) + "AA",  // an altered signature
                g.fileLink("ab/x.png", now: Date().addingTimeInterval(-7200)),  // expired
            ]
            for refused in refusals {
                let response = try await g.call(.get, refused)
                #expect(response.status == .forbidden, "\(refused)")
                #expect(!String(buffer: response.body).contains("\u{1}"))
            }
            #expect(try await g.call(.get, link).headers[.referrerPolicy] == "no-referrer")
        }
    }

    @Test("A percent-encoded form of a file's path is refused, signed or not, and a file no image row names is not served")
    func encodedFilePaths() async throws {
        try await GatewayHarness.run { g in
            try await g.storeFile("ab/x.svg", Data(#"<svg xmlns="http://www.w3.org/2000/svg"/>"#.utf8))
            try await g.storeFile("ab/orphan.png", Data([7, 8, 9]), recorded: false)
            let link = g.fileLink("ab/x.svg")
            #expect(try await g.call(.get, link).status == .ok)
            let query = String(link[link.firstIndex(of: "?")!...])
            for encoded in [
                "/%66iles/ab/x.svg", "/files%2Fab/x.svg", "/files/ab%2Fx.svg", "/files/ab/%78.svg", "/%66iles/ab/x.svg" + query,
                "/files/ab/%78.svg" + query, "/FILES/ab/x.svg", "/files/ab/../ab/x.svg" + query,
            ] {
                let response = try await g.call(.get, encoded)
                #expect(response.status != .ok, "\(encoded)")
                #expect(!String(buffer: response.body).contains("<svg"), "\(encoded)")
            }
            // Signed and present on disk, but no image row names it (deleted, or never ours): not served.
            #expect(try await g.call(.get, g.fileLink("ab/orphan.png")).status == .notFound)
        }
    }

    @Test("Stored files cannot run on the API's origin: CSP sandbox, nosniff, and SVG as an attachment")
    func fileSafetyHeaders() async throws {
        try await GatewayHarness.run { g in
            try await g.storeFile("\(g.alice)/g.svg", Data(#"<svg xmlns="http://www.w3.org/2000/svg"/>"#.utf8))
            let svg = try await g.call(.get, g.fileLink("\(g.alice)/g.svg"))
            #expect(svg.status == .ok)
            #expect(svg.headers[.contentSecurityPolicy] == "default-src 'none'; style-src 'unsafe-inline'; sandbox")
            #expect(svg.headers[.xContentTypeOptions] == "nosniff")
            #expect(svg.headers[.crossOriginResourcePolicy] == "cross-origin")
            #expect(svg.headers[.referrerPolicy] == "no-referrer")
            #expect(svg.headers[.contentDisposition] == #"attachment; filename="g.svg""#)
            #expect(try await g.call(.get, "/v1/models").headers[.contentSecurityPolicy] == nil)
        }
    }

    @Test("Readiness and metrics answer on the internal port only, and readiness never shows what failed")
    func internalPort() async throws {
        try await GatewayHarness.run { g in
            #expect(try await g.call(.get, "/health/live").status == .ok)
            #expect(try await g.call(.get, "/health/ready").status == .notFound)
            #expect(try await g.call(.get, "/metrics").status == .notFound)
            @Sendable func onInternalPort(_ path: String) async throws -> (Int, String) {
                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(g.internalPort)\(path)"), timeout: .seconds(5))
                return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
            }
            // The internal server starts beside the public one; wait until it answers.
            try await eventually("the internal port to answer ready") { (try? await onInternalPort("/health/ready"))?.0 == 200 }
            let ready = try await onInternalPort("/health/ready")
            #expect(ready.1 == #"{"checks":{"postgres":"ok"},"status":"ready"}"#)
            #expect(try await onInternalPort("/metrics").0 == 200)
        }
    }

    @Test("The OpenAPI document and the router list the same operations, and every documented one answers")
    func openAPIMatchesRoutes() async throws {
        try await GatewayHarness.run { g in
            let served = try await g.object(g.call(.get, "/openapi.json"))
            #expect(served["openapi"] == "3.1.0")
            // Both directions: what the router routes is documented, and what is documented is routed (files are served by
            // the file middleware, not a route, and checked below).
            let unused = try DatabaseURL("postgres://nobody@127.0.0.1:1/none")
            let (router, _) = try await makePublicRouter(
                config: GatewayConfig(database: unused, jwtSecret: GatewayHarness.secret, storageDir: g.storage),
                store: GenerationStore(client: g.database, logger: TestDatabase.logger),
                hub: GenerationEventHub(
                    listener: NotificationListener(url: unused, channel: "unused", logger: TestDatabase.logger), logger: TestDatabase.logger),
                logger: TestDatabase.logger
            )
            let routed = Set(
                router.routes.map { route in
                    let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
                })
            // The console's pages are not API operations.
            let console = Set(ConsoleRoutes.assets.map { "GET /\($0.path)" })
            #expect(routed.subtracting(console) == OpenAPIDocument.operations.subtracting(["GET /files/{path}"]))
            let id = try await g.create()
            try await g.storeFile("\(g.alice)/f.png", Data([1]))
            #expect(try await g.call(.get, g.fileLink("\(g.alice)/f.png")).status == .ok)
            // Ids are lowercase everywhere: bodies and the Location header.
            #expect(id == id.lowercased())
            let response = try await g.call(
                .post, "/v1/generations", json: #"{"prompt": "x", "model_id": "google/imagen-4-fast"}"#, token: g.aliceToken)
            #expect(response.headers[.location] == response.headers[.location]?.lowercased())
            #expect(String(buffer: response.body).contains(g.alice.uuidString.lowercased()))
        }
    }

    @Test("An unknown route, a too-large body and a wrong method answer problem+json")
    func frameworkErrorsAreProblems() async throws {
        try await GatewayHarness.run { g in
            let missing = try await g.call(.get, "/v1/nothing-here", token: g.aliceToken)
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            let large = try await g.call(.post, "/v1/generations", json: String(repeating: " ", count: 70_000), token: g.aliceToken)
            #expect(large.status == .contentTooLarge && large.headers[.contentType] == "application/problem+json")
        }
    }
}
