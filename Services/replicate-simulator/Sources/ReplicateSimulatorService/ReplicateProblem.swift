import Catalog
import Foundation
import Hummingbird
import ReplicateAPI
import WireFormat

/// An error in Replicate's problem+json shapes (with `invalid_fields` for 422, `retry_after` for 429).
struct ReplicateProblem: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var title: String?
    var detail: String
    var invalidFields: [InputViolation] = []
    var retryAfter: Int?

    static let unauthenticated = ReplicateProblem(
        status: .unauthorized, title: "Unauthenticated", detail: "You did not pass a valid authentication token"
    )
    static let notFound = ReplicateProblem(status: .notFound, title: nil, detail: "The requested resource could not be found.")
    static let invalidVersion = ReplicateProblem(
        status: .unprocessableContent, title: "Invalid version or not permitted",
        detail: "The specified version does not exist (or perhaps you don't have permission to use it?)"
    )

    static func validation(_ fields: [InputViolation]) -> ReplicateProblem {
        let detail = fields.map { "- \($0.field): \($0.description)" }.joined(separator: "\n") + "\n"
        return ReplicateProblem(status: .unprocessableContent, title: "Input validation failed", detail: detail, invalidFields: fields)
    }

    static func throttled(_ seconds: Int) -> ReplicateProblem {
        ReplicateProblem(
            status: .tooManyRequests, title: nil, detail: "Request was throttled. Your rate limit resets in ~\(seconds)s.", retryAfter: seconds
        )
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: JSONValue] = ["detail": .string(detail), "status": .int(Int(status.code))]
        if let title { body["title"] = .string(title) }
        if !invalidFields.isEmpty {
            body["invalid_fields"] = .array(
                invalidFields.map { .object(["type": .string($0.type), "field": .string($0.field), "description": .string($0.description)]) }
            )
        }
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter {
            body["retry_after"] = .int(retryAfter)
            headers[.retryAfter] = String(retryAfter)
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(body))))
    }
}
