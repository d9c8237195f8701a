/// RFC 9457 problem details (`application/problem+json`), the one error body on our wires: what the gateway and every
/// service answer (``Problem`` in ServiceKit builds it), what a job's refusal carries, what the CLI reads and shows.
package struct ProblemDetails: Codable, Sendable, Equatable {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    package var type: String?
    package var title: String?
    package var status: Int?
    package var detail: String?
    /// Each invalid field and why (a 422).
    package var errors: [FieldError]?

    package init(type: String? = "about:blank", title: String?, status: Int? = nil, detail: String?, errors: [FieldError]? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }
}
