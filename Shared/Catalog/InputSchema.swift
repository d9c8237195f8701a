import WireFormat

/// One input of a Replicate model's schema (`components.schemas.Input`), as data.
package struct InputField: Sendable {
    package enum Kind: Sendable {
        case string
        case uri
        case uriArray(maxItems: Int)
        case integer(min: Int?, max: Int?)
        case number(min: Double?, max: Double?)
        case boolean
        case choice([String])
    }

    package var name: String
    package var kind: Kind
    package var defaultValue: JSONValue?
    package var required: Bool

    package init(_ name: String, _ kind: Kind, default defaultValue: JSONValue? = nil, required: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required
    }
}

/// A violation of a model's input schema, in Replicate's 422 `invalid_fields` shape.
package struct InputViolation: Sendable, Equatable, Codable {
    /// `required`, `type`, `number_gte`, `number_lte`, `enum`, `additional_property_not_allowed`.
    package var type: String
    /// `input.<name>` (or `input` for a missing required field).
    package var field: String
    package var description: String

    package init(type: String, field: String, description: String) {
        self.type = type
        self.field = field
        self.description = description
    }
}

extension [InputField] {
    /// Every way `input` violates this schema, as Replicate reports them (empty when valid).
    package func violations(of input: [String: JSONValue]) -> [InputViolation] {
        var problems: [InputViolation] = []
        let known = Dictionary(uniqueKeysWithValues: map { ($0.name, $0) })
        for field in self where field.required && (input[field.name] == nil || input[field.name] == .null) {
            problems.append(InputViolation(type: "required", field: "input", description: "\(field.name) is required"))
        }
        for (name, value) in input.sorted(by: { $0.key < $1.key }) {
            guard let field = known[name] else {
                problems.append(
                    InputViolation(
                        type: "additional_property_not_allowed", field: "input",
                        description: "Additional property \(name) is not allowed"
                    )
                )
                continue
            }
            problems.append(contentsOf: field.violations(of: value))
        }
        return problems
    }
}

extension InputField {
    func violations(of value: JSONValue) -> [InputViolation] {
        let path = "input.\(name)"
        func typeError(_ expected: String) -> [InputViolation] {
            [InputViolation(type: "type", field: path, description: "Invalid type. Expected: \(expected), given: \(value.typeName)")]
        }
        switch kind {
        case .string:
            return value.string == nil ? typeError("string") : []
        case .uri:
            guard let text = value.string else { return typeError("string") }
            return isURI(text) ? [] : [InputViolation(type: "format", field: path, description: "Does not match format 'uri'")]
        case .uriArray(let maxItems):
            guard case .array(let items) = value else { return typeError("array") }
            if items.count > maxItems {
                return [InputViolation(type: "array_max_items", field: path, description: "Array must have at most \(maxItems) items")]
            }
            for item in items where !(item.string.map(isURI) ?? false) {
                return [InputViolation(type: "format", field: path, description: "Does not match format 'uri'")]
            }
            return []
        case .integer(let min, let max):
            guard case .int(let number) = value else { return typeError("integer") }
            return bounds(Double(number), min: min.map(Double.init), max: max.map(Double.init), path: path)
        case .number(let min, let max):
            guard let number = value.number else { return typeError("number") }
            return bounds(number, min: min, max: max, path: path)
        case .boolean:
            if case .bool = value { return [] }
            return typeError("boolean")
        case .choice(let options):
            guard let text = value.string, options.contains(text) else {
                let list = options.map { "\"\($0)\"" }.joined(separator: ", ")
                return [InputViolation(type: "enum", field: path, description: "\(name) must be one of the following: \(list)")]
            }
            return []
        }
    }

    private func bounds(_ number: Double, min: Double?, max: Double?, path: String) -> [InputViolation] {
        if let min, number < min {
            return [InputViolation(type: "number_gte", field: path, description: "Must be greater than or equal to \(format(min))")]
        }
        if let max, number > max {
            return [InputViolation(type: "number_lte", field: path, description: "Must be less than or equal to \(format(max))")]
        }
        return []
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private func isURI(_ text: String) -> Bool {
        text.hasPrefix("https://") || text.hasPrefix("http://") || text.hasPrefix("data:")
    }
}
