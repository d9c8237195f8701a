import Foundation

/// An uploaded input image (`POST /v1/files`, `GET /v1/files/{id}`): name it by `id` in `source_image_url` or
/// `mask_image_url`. `url` serves its bytes to whoever holds it (it is how Replicate fetches it), until `expires_at`.
package struct InputFileBody: Sendable, Codable, Equatable {
    package var id: UUID
    package var url: String
    package var contentType: String
    package var width: Int
    package var height: Int
    package var sizeBytes: Int
    package var sha256: String
    package var createdAt: Date
    package var expiresAt: Date

    package init(
        id: UUID, url: String, contentType: String, width: Int, height: Int, sizeBytes: Int, sha256: String, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.url = url
        self.contentType = contentType
        self.width = width
        self.height = height
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// `POST /v1/files/uploads`: where to PUT an image straight to the bucket, and how to make it an input file after.
package struct InputFileUploadBody: Sendable, Codable, Equatable {
    package var id: UUID
    /// A presigned URL: `PUT` the image's bytes there (no bearer token) before `expires_at`.
    package var uploadUrl: String
    package var method: String
    package var expiresAt: Date
    /// `POST` here (with the bearer token) once the PUT succeeded, within the hour: it answers the input file.
    package var completeUrl: String
    package var maxBytes: Int

    package init(id: UUID, uploadUrl: String, method: String, expiresAt: Date, completeUrl: String, maxBytes: Int) {
        self.id = id
        self.uploadUrl = uploadUrl
        self.method = method
        self.expiresAt = expiresAt
        self.completeUrl = completeUrl
        self.maxBytes = maxBytes
    }
}

/// `GET /v1/files`: the user's live files, newest first.
package struct InputFileList: Sendable, Codable, Equatable {
    package var data: [InputFileBody]

    package init(data: [InputFileBody]) { self.data = data }
}

/// What a user's input files take up now (in `GET /v1/usage`).
package struct InputFileUsage: Sendable, Codable, Equatable {
    package var count: Int
    package var bytes: Int

    package init(count: Int, bytes: Int) {
        self.count = count
        self.bytes = bytes
    }
}

extension RequestLimits {
    /// The image types `POST /v1/files` takes (by their bytes, not only their declared type).
    package static let inputFileTypes = ["image/png", "image/jpeg", "image/webp", "image/gif"]
    /// The largest side an input image may have, in pixels.
    package static let inputFileSide = 1...16384
}
