import Foundation
import PostgresNIO
import PublicAPI
import Storage

/// A stored image row.
package struct StoredImage: Sendable, Equatable {
    package var id: UUID
    package var generationId: UUID
    package var userId: UUID
    package var outputIndex: Int
    package var filename: String
    package var storagePath: String
    package var publicUrl: String
    package var fileSize: Int
    package var width: Int
    package var height: Int
    package var format: String
    package var contentType: String
    package var sha256: String
    package var createdAt: Date

    static let columns = """
        id, generation_id, user_id, output_index, filename, storage_path, public_url, file_size, width, height, format,
        content_type, sha256, created_at
        """

    init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        id = try r["id"].decode(UUID.self)
        generationId = try r["generation_id"].decode(UUID.self)
        userId = try r["user_id"].decode(UUID.self)
        outputIndex = try r["output_index"].decode(Int.self)
        filename = try r["filename"].decode(String.self)
        storagePath = try r["storage_path"].decode(String.self)
        publicUrl = try r["public_url"].decode(String.self)
        fileSize = try r["file_size"].decode(Int.self)
        width = try r["width"].decode(Int.self)
        height = try r["height"].decode(Int.self)
        format = try r["format"].decode(String.self)
        contentType = try r["content_type"].decode(String.self)
        sha256 = try r["sha256"].decode(String.self)
        createdAt = try r["created_at"].decode(Date.self)
    }

    /// A new image to upsert (id and created_at are assigned by the database).
    package init(
        generationId: UUID, userId: UUID, outputIndex: Int, filename: String, storagePath: String, publicUrl: String, fileSize: Int,
        width: Int, height: Int, format: String, contentType: String, sha256: String
    ) {
        self.id = UUID()
        self.generationId = generationId
        self.userId = userId
        self.outputIndex = outputIndex
        self.filename = filename
        self.storagePath = storagePath
        self.publicUrl = publicUrl
        self.fileSize = fileSize
        self.width = width
        self.height = height
        self.format = format
        self.contentType = contentType
        self.sha256 = sha256
        self.createdAt = Date()
    }
}

extension StoredImage {
    /// This image as clients see it: `public_url` a link they can fetch now (see ``FileLinks``).
    package func body(links: FileLinks) -> ImageBody {
        ImageBody(
            id: id, generationId: generationId, userId: userId, outputIndex: outputIndex, filename: filename, storagePath: storagePath,
            publicUrl: links.url(publicUrl, path: storagePath), fileSize: fileSize, width: width, height: height, format: format,
            contentType: contentType, sha256: sha256, createdAt: createdAt
        )
    }
}
