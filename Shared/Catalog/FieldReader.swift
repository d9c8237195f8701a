import WireFormat

/// Reads a JSON body's fields by type and range, collecting a ``FieldError`` for each field that is wrong (and for each
/// field the body may not have), so a request is refused once with every problem named.
package struct FieldReader {
    package private(set) var errors: [FieldError] = []
    private let body: [String: JSONValue]

    package init(_ body: [String: JSONValue], allowed: Set<String>) {
        self.body = body
        for key in body.keys.sorted() where !allowed.contains(key) {
            fail(key, "unknown field; allowed fields are \(allowed.sorted().joined(separator: ", "))")
        }
    }

    package mutating func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }

    /// The field's value; nil when it is absent or null.
    package func value(_ key: String) -> JSONValue? {
        guard let value = body[key], value != .null else { return nil }
        return value
    }

    /// A string of at most `maxLength` characters (code points, as JSON Schema counts them), without NUL.
    package mutating func string(_ key: String, maxLength: Int) -> String? {
        guard let raw = value(key) else { return nil }
        guard let text = raw.string else {
            fail(key, "must be a string, got \(raw.typeName)")
            return nil
        }
        let length = text.unicodeScalars.count
        if length > maxLength { fail(key, "must be at most \(maxLength) characters, got \(length)") }
        if text.unicodeScalars.contains("\u{0}") { fail(key, "must not contain NUL characters") }
        return text
    }

    /// A string the body must have.
    package mutating func requiredString(_ key: String, maxLength: Int) -> String? {
        if value(key) == nil { fail(key, "is required") }
        return string(key, maxLength: maxLength)
    }

    /// An integer in `range` (a JSON number with no fraction counts).
    package mutating func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
        guard let raw = value(key) else { return nil }
        let number: Int?
        switch raw {
        case .int(let n): number = n
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: number = Int(d)
        default: number = nil
        }
        guard let number else {
            fail(key, "must be an integer, got \(raw)")
            return nil
        }
        guard range.contains(number) else {
            fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
            return nil
        }
        return number
    }

    /// A finite number in `range`.
    package mutating func double(_ key: String, _ range: ClosedRange<Double>) -> Double? {
        guard let raw = value(key) else { return nil }
        guard let number = raw.number, number.isFinite else {
            fail(key, "must be a number, got \(raw)")
            return nil
        }
        guard range.contains(number) else {
            fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
            return nil
        }
        return number
    }
}
