/// A kind of job: the name it is queued, routed and pushed under, tied to the payload its handler decodes.
package protocol JobKind: Sendable {
    associatedtype Payload: Codable & Sendable
    /// The `job_type` (`generate-image`), the route key in `DISPATCH_ROUTES` and the last path segment of `/v1/jobs/<name>`.
    static var name: String { get }
}
