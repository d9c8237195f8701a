import Foundation

/// Durations as Replicate's `Cancel-After` header writes them (Go's syntax): a sequence of decimal numbers, each with a
/// unit, `ms`, `s`, `m` or `h` (`30s`, `5m`, `1h30m45s`, `1.5s`).
package enum GoDuration {
    /// Seconds, or nil when `text` is not such a duration (empty, a number without its unit, an unknown unit, negative).
    package static func seconds(_ text: String) -> Double? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            default: return nil
            }
        }
        return total.isFinite ? total : nil
    }

    /// Whole seconds, rounded up, as `Ns`.
    package static func format(seconds: Double) -> String {
        "\(Int(max(1, seconds.rounded(.up))))s"
    }
}
