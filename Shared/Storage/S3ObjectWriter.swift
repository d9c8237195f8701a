import Crypto
import Foundation
import NIOCore

/// Streams one object to S3. Bytes are gathered in one buffer of `partSize` (5 MiB, S3's smallest part), allocated
/// once: an object that fits is one PUT at commit, a larger one a multipart upload whose parts are sent as the buffer
/// fills, so memory holds one part whatever the image's size (the buffer is sent as it is, and each part's SHA-256 is
/// computed as its bytes arrive). Nothing is visible under the key before `commit`; `abort` (or a failed commit)
/// leaves nothing behind, and a retry simply writes the key again. A commit may name another key and content type (an
/// image's, once its first bytes told its format): the one PUT goes there, and a multipart upload is copied there.
package final class S3ObjectWriter {
    let client: S3Client
    private let key: String
    private let contentType: String
    private let partSize: Int
    private var buffer: ByteBuffer
    private var partHasher = SHA256()
    private var uploadID: String?
    private var parts: [String] = []
    private var hasher = SHA256()
    private var size = 0

    package init(client: S3Client, key: String, contentType: String, partSize: Int = 5 << 20) {
        self.client = client
        self.key = key
        self.contentType = contentType
        self.partSize = partSize
        buffer = ByteBufferAllocator().buffer(capacity: 64 << 10)
    }

    package func append(_ bytes: some Collection<UInt8>) async throws {
        let chunk = Array(bytes)
        hasher.update(data: chunk)
        partHasher.update(data: chunk)
        size += chunk.count
        if buffer.capacity < partSize && buffer.readableBytes + chunk.count > buffer.capacity {
            // Grow once to a whole part (plus a chunk's slack), never by doubling past it.
            buffer.reserveCapacity(partSize + max(chunk.count, 64 << 10))
        }
        buffer.writeBytes(chunk)
        if buffer.readableBytes >= partSize {
            if uploadID == nil { uploadID = try await client.createMultipartUpload(key, contentType: contentType) }
            try await sendPart()
        }
    }

    private func sendPart() async throws {
        let hash = partHasher.finalize().hexString
        parts.append(try await client.uploadPart(key, uploadID: uploadID!, number: parts.count + 1, body: buffer, payloadHash: hash))
        buffer.clear()
        partHasher = SHA256()
    }

    /// Makes the object visible, under `final` when given (its key and content type); returns its size and SHA-256 (hex).
    package func commit(as final: (key: String, contentType: String)? = nil) async throws -> (size: Int, sha256: String) {
        let (finalKey, finalType) = final ?? (key, contentType)
        do {
            if let uploadID {
                if buffer.readableBytes > 0 { try await sendPart() }
                try await client.completeMultipartUpload(key, uploadID: uploadID, parts: parts)
                self.uploadID = nil
                if finalKey != key {
                    // The upload's own key goes either way (one left behind is an unfinished write the janitor sweeps).
                    do { try await client.copy(key, to: finalKey, contentType: finalType) } catch {
                        try? await client.delete(key)
                        throw error
                    }
                    try? await client.delete(key)
                }
            } else {
                try await client.put(finalKey, body: buffer, payloadHash: partHasher.finalize().hexString, contentType: finalType)
            }
        } catch {
            await abort()
            throw error
        }
        buffer = ByteBuffer()
        return (size, hasher.finalize().hexString)
    }

    /// Drops what was sent (an unfinished multipart upload is aborted, so S3 keeps no parts).
    package func abort() async {
        buffer = ByteBuffer()
        if let uploadID { try? await client.abortMultipartUpload(key, uploadID: uploadID) }
        uploadID = nil
    }
}
