import Catalog
import Foundation
import Generations
import Hummingbird
import PublicAPI
import ServiceKit
import WireFormat

/// Input files: upload an image once, then name it by id in `source_image_url` or `mask_image_url`.
struct FileRoutes: Sendable {
    let files: InputFileStore
    let auth: UserAuthenticator
    let settings: InputFileSettings

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/files") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let upload = try await InputFileUpload.read(request, maxBytes: settings.maxBytes)
            let file = try await files.create(
                userID: user, bytes: upload.bytes, contentType: upload.info.contentType, width: upload.info.width, height: upload.info.height,
                sha256: upload.sha256, token: GenerationRoutes.randomToken(), retentionHours: settings.retentionHours)
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
            guard let token = request.uri.queryParameters.get("token"), !token.isEmpty,
                let (type, bytes) = try await files.content(id, token: String(token))
            else { throw Problem.notFound("File \(id.lowercase)") }
            return Response(
                status: .ok,
                headers: [.contentType: type, .cacheControl: "private, max-age=300", .init("X-Content-Type-Options")!: "nosniff"],
                body: .init(byteBuffer: bytes))
        }
    }
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
