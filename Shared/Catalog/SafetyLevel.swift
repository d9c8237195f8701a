import WireFormat

/// How strict a model's safety checker is to be (`safety_level`), from the strictest: each model's own setting is
/// FLUX's `safety_tolerance` (1 strictest … 6), Imagen's `safety_filter_level`, or the community models'
/// `disable_safety_checker` (which only `relaxed` turns off). The operator's ceiling caps what a request may ask.
package enum SafetyLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case strict
    case standard
    case relaxed

    package static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension ModelSpec {
    /// The input `level` sets on this model; nil when it has no safety setting of its own.
    package func safetyInput(_ level: SafetyLevel) -> (name: String, value: JSONValue)? {
        if let field = field("safety_tolerance"), case .integer(let min, let max) = field.kind {
            let strictest = min ?? 1
            let loosest = max ?? 6
            var standard = strictest + 1
            if case .int(let value)? = field.defaultValue { standard = value }
            let value =
                switch level {
                case .strict: strictest
                case .standard: standard
                case .relaxed: Swift.max(standard, loosest - 1)
                }
            return (field.name, .int(value))
        }
        if let field = field("safety_filter_level"), case .choice(let options) = field.kind {
            let wanted =
                switch level {
                case .strict: "block_low_and_above"
                case .standard: "block_medium_and_above"
                case .relaxed: "block_only_high"
                }
            return options.contains(wanted) ? (field.name, .string(wanted)) : nil
        }
        if field("disable_safety_checker") != nil { return ("disable_safety_checker", .bool(level == .relaxed)) }
        return nil
    }

    /// Why `format` (`png`, `jpg`, `webp`) cannot be asked of this model; nil when it can.
    package func outputFormatProblem(_ format: String) -> String? {
        guard let field = field("output_format"), case .choice(let options) = field.kind else {
            return format == outputFormat ? nil : "\(displayName) returns \(outputFormat) only"
        }
        return options.contains(format) ? nil : "\(displayName) returns one of \(options.joined(separator: ", ")); got '\(format)'"
    }
}
