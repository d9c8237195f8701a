import DownloaderService
import Foundation
import Generations
import PostgresNIO
import Storage
import TestSupport
import Testing

@Suite("Storage retention and orphans")
struct StorageJanitorTests {
    @Test("Images past retention lose rows and files (still counted in usage); old files no row names are swept, fresh ones kept")
    func sweep() async throws {
        try await TestDatabase.withClient { client, _ in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("janitor-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            let storage = FileImageStorage(root: root)
            let user = UUID()
            let generation = try await scalar(
                client,
                """
                INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status)
                VALUES (\(user), 'x', 'flux-schnell', 'black-forest-labs/flux-schnell', 64, 64, 4, 0, 'completed') RETURNING id
                """,
                as: UUID.self
            )
            func file(_ path: String, daysOld: Double) throws {
                let url = URL(fileURLWithPath: root).appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                FileManager.default.createFile(atPath: url.path, contents: Data([1, 2, 3]))
                try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-daysOld * 86400)], ofItemAtPath: url.path)
            }
            func image(_ path: String, daysOld: Int, index: Int) async throws {
                try await client.query(
                    """
                    INSERT INTO images (generation_id, user_id, output_index, filename, storage_path, public_url, file_size, width, height,
                                        format, content_type, sha256, created_at)
                    VALUES (\(generation), \(user), \(index), 'f', \(path), 'http://x/f', 3, 1, 1, 'png', 'image/png', 'x',
                            now() - \(daysOld) * interval '1 day')
                    """
                )
            }
            // Names as the downloader writes them: <shard>/<generation>[-N].<ext>, .download, hidden .tmp.
            let (a, b, c) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
            let expired = "\(a.prefix(2))/\(a).png"
            let kept = "\(b.prefix(2))/\(b)-1.png"
            let orphan = "\(c.prefix(2))/\(c).jpg"
            let fresh = "\(c.prefix(2))/.\(c)-2.download.\(UUID().uuidString).tmp"
            let crashed = "\(c.prefix(2))/\(c)-3.download"
            // A direct upload never completed (the gateway's `uploads/<id>.upload`), and one still within its hour.
            let abandoned = "uploads/\(a).upload"
            let uploading = "uploads/\(b).upload"
            try file(abandoned, daysOld: 1)
            try file(uploading, daysOld: 0)
            try file(expired, daysOld: 40)
            try await image(expired, daysOld: 40, index: 0)
            try file(kept, daysOld: 2)
            try await image(kept, daysOld: 2, index: 1)
            try file(orphan, daysOld: 1)
            try file(fresh, daysOld: 0)
            try file(crashed, daysOld: 1)
            // Not names it writes: someone else's files sharing the volume are never swept, however old.
            let foreign = ["notes.txt", "backup/\(c).png", "\(c.prefix(2))/\(c).png.bak", "ZZ/\(c).png", "uploads/\(c).png", "\(c).png/../x"]
            for path in foreign.dropLast() { try file(path, daysOld: 400) }
            #expect(!StorageJanitor.isOurs(foreign.last!))
            let janitor = StorageJanitor(
                generations: GenerationStore(client: client, logger: TestDatabase.logger), storage: storage,
                imagesRetention: .seconds(30 * 86400), logger: TestDatabase.logger)
            let removed = try await janitor.pass()
            #expect(removed.images == 1)
            #expect(removed.orphans == 3)
            let left = Set(
                try FileManager.default.subpathsOfDirectory(atPath: root).filter {
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
                })
            #expect(left == Set([kept, fresh, uploading] + foreign.dropLast()))
            #expect(try await scalar(client, "SELECT count(*)::int8 FROM images", as: Int.self) == 1)
            #expect(try await scalar(client, "SELECT deleted_images::int8 FROM image_generations", as: Int.self) == 1)
            let usage = try await GenerationStore(client: client, logger: TestDatabase.logger).usage(
                userID: user, from: Date().addingTimeInterval(-86400), to: Date().addingTimeInterval(86400), groupBy: .day
            )
            #expect(usage.first?.images == 2)
            #expect(try await janitor.pass() == (0, 0))
        }
    }
}
