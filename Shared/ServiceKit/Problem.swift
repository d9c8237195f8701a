import Foundation
import Hummingbird
import WireFormat

/// An error answered as RFC 9457 `application/problem+json`; the one error shape every HTTP edge uses.
package struct Problem: Error, HTTPResponseError, Sendable {
    /// One invalid field and why.
    package typealias FieldError = WireFormat.FieldError

    package var status: HTTPResponse.Status
    package var title: String
    package var detail: String
    package var errors: [FieldError]
    package var retryAfterSeconds: Int?
    /// More headers for the answer (a 429's `RateLimit-*`).
    package var headers: HTTPFields = [:]
    /// A URI naming the kind of problem, for programs (RFC 9457); `about:blank` when the status says it all.
    package var type = "about:blank"
    /// More members of the body (a 402's figures).
    package var extensions: [String: JSONValue] = [:]

    /// A problem with `status`, a short `title` and a specific `detail`.
    package init(_ status: HTTPResponse.Status, title: String? = nil, detail: String, errors: [FieldError] = [], retryAfterSeconds: Int? = nil) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// 422 listing every invalid field.
    package static func validation(_ errors: [FieldError]) -> Problem {
        Problem(
            .unprocessableContent, title: "Validation failed",
            detail: errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors
        )
    }

    /// 404 for a resource that does not exist or is not the caller's.
    package static func notFound(_ what: String) -> Problem {
        Problem(.notFound, detail: "\(what) was not found")
    }

    /// 401 with the reason the credentials were refused.
    package static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, title: "Unauthorized", detail: detail)
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ProblemDetails(type: type, title: title, status: Int(status.code), detail: detail, errors: errors.isEmpty ? nil : errors)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var data = try encoder.encode(body)
        if !extensions.isEmpty, case .object(var members) = try JSONDecoder().decode(JSONValue.self, from: data) {
            for (key, value) in extensions { members[key] = value }
            data = try encoder.encode(JSONValue.object(members))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
