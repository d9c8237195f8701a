import Catalog
import Foundation
import Generations
import Hummingbird
import PublicAPI
import ServiceKit
import Storage
import WireFormat

/// Input files: upload an image once, then name it by id in `source_image_url` or `mask_image_url`.
struct FileRoutes: Sendable {
    let files: InputFileStore
    let auth: UserAuthenticator
    let settings: InputFileSettings
    /// The bucket clients upload to directly (`POST /v1/files/uploads`), with S3 storage; nil with files on disk.
    let bucket: S3Client?

    /// How long an upload URL is valid.
    static let uploadURLSeconds = 900

    func add(to router: Router<BasicRequestContext>) {
        addUploads(to: router)
        router.post("v1/files") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let upload = try await InputFileUpload.read(request, maxBytes: settings.maxBytes)
            let file = try await files.create(
                userID: user, bytes: upload.bytes, contentType: upload.info.contentType, width: upload.info.width, height: upload.info.height,
                sha256: upload.sha256, token: randomToken(), retentionHours: settings.retentionHours)
            var response = try JSONCoding.response(file.body(base: settings.publicURL), status: .created)
            response.headers[.location] = "/v1/files/\(file.id.lowercase)"
            return response
        }
        router.get("v1/files") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let raw = request.uri.queryParameters.get("limit") ?? "20"
            guard let limit = Int(raw), (1...100).contains(limit) else {
                throw Problem.validation([.init(field: "limit", message: "must be an integer between 1 and 100")])
            }
            let list = try await files.list(userID: user, limit: limit)
            return try JSONCoding.response(InputFileList(data: list.map { $0.body(base: settings.publicURL) }))
        }
        router.get("v1/files/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try GenerationRoutes.uuid(context)
            guard let file = try await files.find(id, userID: user) else { throw Problem.notFound("File \(id.lowercase)") }
            return try JSONCoding.response(file.body(base: settings.publicURL))
        }
        router.delete("v1/files/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try GenerationRoutes.uuid(context)
            guard try await files.delete(id, userID: user) else { throw Problem.notFound("File \(id.lowercase)") }
            return Response(status: .noContent)
        }
        // The link Replicate fetches the image by: the token is the capability (no bearer token), good until the file
        // expires or is deleted.
        router.get("v1/files/:id/content") { request, context in
            let id = try GenerationRoutes.uuid(context)
            guard let token = request.uri.queryParameters.get("token"), isRandomToken(token),
                let (type, bytes) = try await files.content(id, token: String(token))
            else { throw Problem.notFound("File \(id.lowercase)") }
            return Response(
                status: .ok,
                headers: [.contentType: type, .cacheControl: "private, max-age=300", .init("X-Content-Type-Options")!: "nosniff"],
                body: .init(byteBuffer: bytes))
        }
    }
}

extension FileRoutes {
    /// Direct uploads: a presigned PUT to the bucket, then a completion that checks what arrived and keeps it as an
    /// input file (with the id the upload had), as `POST /v1/files` would have.
    private func addUploads(to router: Router<BasicRequestContext>) {
        router.post("v1/files/uploads") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let bucket = try requireBucket()
            let id = try await files.createUpload(userID: user)
            let body = InputFileUploadBody(
                id: id, uploadUrl: bucket.presignedPUT(bucket.location.key(Self.uploadPath(id)), seconds: Self.uploadURLSeconds), method: "PUT",
                expiresAt: Date().addingTimeInterval(Double(Self.uploadURLSeconds)), completeUrl: "/v1/files/uploads/\(id.lowercase)/complete",
                maxBytes: settings.maxBytes)
            return try JSONCoding.response(body, status: .created)
        }
        router.post("v1/files/uploads/:id/complete") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try GenerationRoutes.uuid(context)
            let bucket = try requireBucket()
            guard try await files.hasUpload(id, userID: user) else { throw Problem.notFound("Upload \(id.lowercase)") }
            let key = bucket.location.key(Self.uploadPath(id))
            let bytes: [UInt8]
            do {
                let response = try await bucket.get(key)
                guard let body = try? await response.body.collect(upTo: settings.maxBytes) else {
                    try await bucket.delete(key)
                    throw InputFileUpload.tooLarge(settings.maxBytes)
                }
                bytes = Array(body.readableBytesView)
            } catch let failure as S3Client.Failure where failure.status == 404 {
                throw Problem(
                    .conflict, title: "Nothing uploaded yet",
                    detail: "Upload \(id.lowercase) has no object: PUT the image to its upload_url, then complete it")
            }
            // Checked before it is taken, so a bad image leaves nothing half-made: the upload goes, and so does its object.
            let upload: InputFileUpload
            do {
                upload = try InputFileUpload.checked(bytes, declared: nil)
            } catch {
                _ = try await files.takeUpload(id, userID: user)
                try await bucket.delete(key)
                throw error
            }
            guard try await files.takeUpload(id, userID: user) else { throw Problem.notFound("Upload \(id.lowercase)") }
            let file = try await files.create(
                id: id, userID: user, bytes: upload.bytes, contentType: upload.info.contentType, width: upload.info.width,
                height: upload.info.height, sha256: upload.sha256, token: randomToken(), retentionHours: settings.retentionHours)
            try await bucket.delete(key)
            var response = try JSONCoding.response(file.body(base: settings.publicURL), status: .created)
            response.headers[.location] = "/v1/files/\(file.id.lowercase)"
            return response
        }
    }

    private func requireBucket() throws -> S3Client {
        guard let bucket else {
            throw Problem(
                .conflict, title: "Direct uploads need S3 storage",
                detail: "This server keeps files on disk (STORAGE_URL is not s3://…): send the image to POST /v1/files instead")
        }
        return bucket
    }

    /// Where an upload's object is, under the storage prefix: a name the downloader's sweep of unrecorded files knows
    /// (so an abandoned one goes after an hour).
    static func uploadPath(_ id: UUID) -> String { "uploads/\(id.lowercase).upload" }
}

/// File ids in requests made into the links Replicate fetches them by, once each is known to be the caller's live file.
struct InputFileLinks: Sendable {
    let files: InputFileStore
    let publicURL: String

    /// `requests` with every file id in `source_image_url` and `mask_image_url` replaced by its content link, and the
    /// problems of those that are not the user's live files, by request offset (one query for them all).
    func resolve(_ requests: [GenerationRequest], userID: UUID) async throws -> ([GenerationRequest], [(Int, Problem.FieldError)]) {
        let ids = Set(requests.flatMap { [$0.sourceImageUrl, $0.maskImageUrl].compactMap { $0.flatMap(SourceImage.fileID) } })
        guard !ids.isEmpty else { return (requests, []) }
        let owned = try await files.owned(ids, userID: userID)
        var resolved = requests
        var problems: [(Int, Problem.FieldError)] = []
        func link(_ value: String?, field: String, at offset: Int) -> String? {
            guard let value, let id = SourceImage.fileID(value) else { return value }
            guard let file = owned[id] else {
                problems.append(
                    (offset, .init(field: field, message: "names no file of yours (file \(id.lowercase) is missing, expired or deleted)")))
                return value
            }
            return file.contentURL(base: publicURL)
        }
        for offset in resolved.indices {
            resolved[offset].sourceImageUrl = link(resolved[offset].sourceImageUrl, field: "source_image_url", at: offset)
            resolved[offset].maskImageUrl = link(resolved[offset].maskImageUrl, field: "mask_image_url", at: offset)
        }
        return (resolved, problems)
    }

    /// One request's file ids made into links; a 422 naming the field when one is not the user's.
    func resolve(_ request: GenerationRequest, userID: UUID) async throws -> GenerationRequest {
        let (resolved, problems) = try await resolve([request], userID: userID)
        guard problems.isEmpty else { throw Problem.validation(problems.map(\.1)) }
        return resolved[0]
    }
}
