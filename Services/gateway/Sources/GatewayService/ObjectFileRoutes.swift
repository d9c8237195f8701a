import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOHTTP1
import ServiceKit
import Storage

/// `GET /files/<path>` when images are in an S3-compatible bucket: the object streamed through, its type, size, ETag
/// and byte ranges as the bucket answers them (the link was checked by ``FileLinkMiddleware`` before).
struct ObjectFileRoutes: Sendable {
    let client: S3Client

    func add(to router: Router<BasicRequestContext>) {
        router.get("files/**") { request, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            guard !path.isEmpty, !path.split(separator: "/").contains("..") else { throw Problem.notFound("File") }
            let object: HTTPClientResponse
            do {
                object = try await client.get(client.location.key(path), range: request.headers[.range])
            } catch let failure as S3Client.Failure where failure.status == 404 {
                throw Problem.notFound("File")
            } catch let failure as S3Client.Failure where failure.status == 416 {
                throw Problem(.rangeNotSatisfiable, detail: "the range is outside the file")
            }
            var headers: HTTPFields = [:]
            for name in ["Content-Type", "Content-Length", "ETag", "Content-Range", "Accept-Ranges", "Last-Modified"] {
                if let value = object.headers.first(name: name), let field = HTTPField.Name(name) { headers[field] = value }
            }
            let body = object.body
            return Response(
                status: .init(code: Int(object.status.code)), headers: headers,
                body: ResponseBody { writer in
                    for try await chunk in body { try await writer.write(chunk) }
                    try await writer.finish(nil)
                }
            )
        }
    }
}
