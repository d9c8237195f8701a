import Foundation
import Logging
import PostgresNIO
import PublicAPI
import WireFormat

/// An uploaded input image's row (its bytes apart).
package struct InputFile: Sendable, Equatable {
    package var id: UUID
    package var userId: UUID
    package var contentType: String
    package var width: Int
    package var height: Int
    package var sizeBytes: Int
    package var sha256: String
    /// The capability in its content link.
    package var token: String
    package var createdAt: Date
    package var expiresAt: Date

    /// The link that serves its bytes without a bearer token (how Replicate fetches it): `base` is the gateway's public
    /// URL as Replicate reaches it (`FILES_PUBLIC_URL`).
    package func contentURL(base: String) -> String { "\(base)/v1/files/\(id.lowercase)/content?token=\(token)" }

    package func body(base: String) -> InputFileBody {
        InputFileBody(
            id: id, url: contentURL(base: base), contentType: contentType, width: width, height: height, sizeBytes: sizeBytes, sha256: sha256,
            createdAt: createdAt, expiresAt: expiresAt)
    }

    init(_ row: PostgresRandomAccessRow) throws {
        id = try row["id"].decode(UUID.self)
        userId = try row["user_id"].decode(UUID.self)
        contentType = try row["content_type"].decode(String.self)
        width = try row["width"].decode(Int.self)
        height = try row["height"].decode(Int.self)
        sizeBytes = try row["size_bytes"].decode(Int.self)
        sha256 = try row["sha256"].decode(String.self)
        token = try row["token"].decode(String.self)
        createdAt = try row["created_at"].decode(Date.self)
        expiresAt = try row["expires_at"].decode(Date.self)
    }
}

/// Input images in PostgreSQL: written by the gateway that took the upload, served by any, gone when they expire
/// (`FILES_RETENTION_HOURS`; the dispatcher's maintenance deletes expired rows, and no read returns one before that).
package struct InputFileStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores `bytes` (already checked and stripped) for `userID` as file `id`, kept `retentionHours`.
    package func create(
        id: UUID = UUID(), userID: UUID, bytes: [UInt8], contentType: String, width: Int, height: Int, sha256: String, token: String,
        retentionHours: Int
    ) async throws -> InputFile {
        let data = ByteBuffer(bytes: bytes)
        let rows = try await client.query(
            """
            INSERT INTO input_files (id, user_id, content_type, width, height, size_bytes, sha256, token, bytes, expires_at)
            VALUES (\(id), \(userID), \(contentType), \(width), \(height), \(bytes.count), \(sha256), \(token), \(data),
                    now() + \(retentionHours) * interval '1 hour')
            RETURNING \(unescaped: Self.columnList)
            """,
            logger: logger
        )
        for try await row in rows { return try InputFile(row.makeRandomAccess()) }
        throw PostgresError.protocol("INSERT … RETURNING gave no row")
    }

    /// The user's live file `id`; nil when it is another's, expired or deleted.
    package func find(_ id: UUID, userID: UUID) async throws -> InputFile? {
        try await owned([id], userID: userID)[id]
    }

    /// Which of `ids` are the user's live files (one query, however many a batch names).
    package func owned(_ ids: Set<UUID>, userID: UUID) async throws -> [UUID: InputFile] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columnList) FROM input_files
            WHERE id = ANY(\(Array(ids))) AND user_id = \(userID) AND expires_at > now()
            """,
            logger: logger
        )
        var files: [UUID: InputFile] = [:]
        for try await row in rows {
            let file = try InputFile(row.makeRandomAccess())
            files[file.id] = file
        }
        return files
    }

    /// The user's live files, newest first.
    package func list(userID: UUID, limit: Int) async throws -> [InputFile] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columnList) FROM input_files
            WHERE user_id = \(userID) AND expires_at > now() ORDER BY created_at DESC, id LIMIT \(limit)
            """,
            logger: logger
        )
        var files: [InputFile] = []
        for try await row in rows { files.append(try InputFile(row.makeRandomAccess())) }
        return files
    }

    /// The type and bytes of live file `id` when `token` is its capability; nil otherwise (a wrong token and a missing
    /// file look the same). The token is compared in the database, by equality on a random 256-bit value.
    package func content(_ id: UUID, token: String) async throws -> (contentType: String, bytes: ByteBuffer)? {
        let rows = try await client.query(
            "SELECT content_type, bytes FROM input_files WHERE id = \(id) AND token = \(token) AND expires_at > now()", logger: logger)
        var found: (String, ByteBuffer)?
        for try await (type, bytes) in rows.decode((String, ByteBuffer).self) { found = (type, bytes) }
        return found
    }

    /// Deletes the user's file `id` now (its link stops working); false when there was none.
    package func delete(_ id: UUID, userID: UUID) async throws -> Bool {
        let rows = try await client.query("DELETE FROM input_files WHERE id = \(id) AND user_id = \(userID) RETURNING 1", logger: logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    /// How many live files the user has and their bytes.
    package func usage(userID: UUID) async throws -> InputFileUsage {
        let rows = try await client.query(
            "SELECT count(*)::int8, coalesce(sum(size_bytes), 0)::int8 FROM input_files WHERE user_id = \(userID) AND expires_at > now()",
            logger: logger)
        var usage = InputFileUsage(count: 0, bytes: 0)
        for try await (count, bytes) in rows.decode((Int, Int).self) { usage = InputFileUsage(count: count, bytes: bytes) }
        return usage
    }

    /// How long a direct upload may take to be completed.
    package static let uploadWindow: Duration = .seconds(3600)

    /// Records a direct upload for `userID` (its object is the client's to PUT); returns its id.
    package func createUpload(userID: UUID) async throws -> UUID {
        let id = UUID()
        try await client.query("INSERT INTO input_file_uploads (id, user_id) VALUES (\(id), \(userID))", logger: logger)
        return id
    }

    /// Whether the user has a direct upload `id` still within ``uploadWindow``.
    package func hasUpload(_ id: UUID, userID: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT 1 FROM input_file_uploads
            WHERE id = \(id) AND user_id = \(userID) AND created_at > now() - make_interval(secs => \(Double(Self.uploadWindow.components.seconds)))
            """,
            logger: logger
        )
        var found = false
        for try await _ in rows { found = true }
        return found
    }

    /// Takes the user's direct upload `id` to complete it (once: a second call finds none); false when there is no such
    /// upload of theirs within ``uploadWindow``.
    package func takeUpload(_ id: UUID, userID: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            DELETE FROM input_file_uploads
            WHERE id = \(id) AND user_id = \(userID) AND created_at > now() - make_interval(secs => \(Double(Self.uploadWindow.components.seconds)))
            RETURNING 1
            """,
            logger: logger
        )
        var taken = false
        for try await _ in rows { taken = true }
        return taken
    }

    /// Deletes expired files and uploads past their window, at most `batch` of each a call; returns how many went.
    package func removeExpired(batch: Int = 500) async throws -> Int {
        let rows = try await client.query(
            """
            WITH files AS (
                DELETE FROM input_files WHERE id IN (
                    SELECT id FROM input_files WHERE expires_at <= now() ORDER BY expires_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
                ) RETURNING 1
            ), uploads AS (
                DELETE FROM input_file_uploads WHERE id IN (
                    SELECT id FROM input_file_uploads
                    WHERE created_at <= now() - make_interval(secs => \(Double(Self.uploadWindow.components.seconds)))
                    ORDER BY created_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
                ) RETURNING 1
            )
            SELECT (SELECT count(*) FROM files) + (SELECT count(*) FROM uploads)
            """,
            logger: logger
        )
        var count = 0
        for try await removed in rows.decode(Int.self) { count = removed }
        return count
    }

    private static let columnList = "id, user_id, content_type, width, height, size_bytes, sha256, token, created_at, expires_at"
}
