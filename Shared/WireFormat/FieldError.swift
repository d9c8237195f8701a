/// One invalid field of a request and why: `{"field", "message"}` in a problem's `errors`.
package struct FieldError: Codable, Sendable, Equatable {
    package var field: String
    package var message: String
    package init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// A request that broke one or more rules: every offending field with its reason.
package struct ValidationFailure: Error, Sendable, Equatable {
    package var errors: [FieldError]
    package init(_ errors: [FieldError]) { self.errors = errors }
}
