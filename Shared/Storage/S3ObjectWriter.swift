import Crypto
import Foundation

/// Streams one object to S3. Bytes are buffered up to `partSize` (5 MiB, S3's smallest part): an object that fits is
/// one PUT at commit, a larger one a multipart upload whose parts are sent as they fill, so memory holds one part
/// whatever the image's size. Nothing is visible under the key before `commit`; `abort` (or a failed commit) leaves
/// nothing behind, and a retry simply writes the key again.
package final class S3ObjectWriter {
    private let client: S3Client
    private let key: String
    private let contentType: String
    private let partSize: Int
    private var buffer: [UInt8] = []
    private var uploadID: String?
    private var parts: [String] = []
    private var hasher = SHA256()
    private var size = 0

    package init(client: S3Client, key: String, contentType: String, partSize: Int = 5 << 20) {
        self.client = client
        self.key = key
        self.contentType = contentType
        self.partSize = partSize
        buffer.reserveCapacity(min(partSize, 1 << 20))
    }

    package func append(_ bytes: some Collection<UInt8>) async throws {
        hasher.update(data: Array(bytes))
        size += bytes.count
        buffer.append(contentsOf: bytes)
        // A full buffer goes as one part (a part may be larger than the minimum), and the buffer is reused.
        if buffer.count >= partSize {
            if uploadID == nil { uploadID = try await client.createMultipartUpload(key, contentType: contentType) }
            parts.append(try await client.uploadPart(key, uploadID: uploadID!, number: parts.count + 1, bytes: buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Makes the object visible; returns its size and SHA-256 (hex).
    package func commit() async throws -> (size: Int, sha256: String) {
        do {
            if let uploadID {
                if !buffer.isEmpty { parts.append(try await client.uploadPart(key, uploadID: uploadID, number: parts.count + 1, bytes: buffer)) }
                try await client.completeMultipartUpload(key, uploadID: uploadID, parts: parts)
            } else {
                try await client.put(key, bytes: buffer, contentType: contentType)
            }
        } catch {
            await abort()
            throw error
        }
        buffer = []
        return (size, hasher.finalize().hexString)
    }

    /// Drops what was sent (an unfinished multipart upload is aborted, so S3 keeps no parts).
    package func abort() async {
        buffer = []
        if let uploadID { try? await client.abortMultipartUpload(key, uploadID: uploadID) }
        uploadID = nil
    }
}
