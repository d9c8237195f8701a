import Foundation
import Synchronization

/// Reads typed settings from the environment once, at start, collecting every problem instead of stopping at the first.
/// Every key it is asked for is noted (``described(_:)``), so an executable's `--help` lists exactly what it reads.
package struct ConfigLoader {
    private let environment: [String: String]
    private var problems: [String] = []

    /// One setting a config reads: its key and default, or that it is required.
    package struct Setting: Sendable, Equatable {
        package var key: String
        /// The default as text; nil when there is none.
        package var defaultValue: String?
        package var required: Bool
    }

    /// Where keys are noted while ``described(_:)`` runs a config's initialiser.
    @TaskLocal private static var noted: Notebook?

    private final class Notebook: Sendable {
        let settings = Mutex<[Setting]>([])
    }

    private func note(_ key: String, default defaultValue: String?, required: Bool = false) {
        Self.noted?.settings.withLock { settings in
            if !settings.contains(where: { $0.key == key }) {
                settings.append(Setting(key: key, defaultValue: defaultValue, required: required))
            }
        }
    }

    /// The settings `load` reads, found by running it on an empty environment.
    package static func described(_ load: ([String: String]) throws -> some Any) -> [Setting] {
        let notebook = Notebook()
        $noted.withValue(notebook) { _ = try? load([:]) }
        return notebook.settings.withLock { $0 }
    }

    /// `--help` text for the settings `load` reads: one line each, the required ones first.
    package static func help(_ load: ([String: String]) throws -> some Any) -> String {
        let settings = described(load)
        let lines =
            settings.filter(\.required).map { "  \($0.key) (required)" }
            + settings.filter { !$0.required }.map { "  \($0.key)" + ($0.defaultValue.map { $0.isEmpty ? "" : " (default: \($0))" } ?? "") }
        return "Environment:\n" + lines.joined(separator: "\n")
    }

    /// A loader over `environment` (the process environment in executables, a literal dictionary in tests).
    package init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The value of `key`, or a recorded problem when it is missing or empty.
    package mutating func required(_ key: String) -> String {
        note(key, default: nil, required: true)
        guard let value = environment[key], !value.isEmpty else {
            problems.append("\(key) is required but not set")
            return ""
        }
        return value
    }

    /// A required secret: at least `minimumBytes` long, not a placeholder copied from an example file, and not
    /// predictable (about 100 bits of entropy, judged from its characters' frequencies; `openssl rand -hex 32` gives 256).
    package mutating func secret(_ key: String, minimumBytes: Int = 32) -> String {
        let value = required(key)
        guard !value.isEmpty else { return value }
        check(secret: value, of: key, minimumBytes: minimumBytes)
        return value
    }

    /// A secret that may be left unset (nil), held to the same rules as ``secret(_:minimumBytes:)`` when set.
    package mutating func optionalSecret(_ key: String, minimumBytes: Int = 32) -> String? {
        guard let value = optional(key) else { return nil }
        check(secret: value, of: key, minimumBytes: minimumBytes)
        return value
    }

    private mutating func check(secret value: String, of key: String, minimumBytes: Int) {
        let lowered = value.lowercased()
        if let marker = ["change-me", "changeme", "placeholder", "example", "your-", "xxxx", "secret-here"].first(where: lowered.contains) {
            problems.append("\(key) looks like a placeholder (it contains '\(marker)'); generate one, e.g. with `openssl rand -hex 32`")
        } else if value.utf8.count < minimumBytes {
            problems.append("\(key) must be at least \(minimumBytes) bytes, got \(value.utf8.count)")
        } else if Self.entropyBits(value) < 100 {
            problems.append("\(key) is too predictable (about \(Int(Self.entropyBits(value))) bits); generate one, e.g. with `openssl rand -hex 32`")
        }
    }

    /// Shannon entropy of `value`'s characters times its length: a rough upper bound of how hard it is to guess.
    static func entropyBits(_ value: String) -> Double {
        let counts = Dictionary(value.unicodeScalars.map { ($0, 1) }, uniquingKeysWith: +)
        let length = Double(value.unicodeScalars.count)
        let perCharacter = counts.values.reduce(0.0) { sum, count in
            let p = Double(count) / length
            return sum - p * log2(p)
        }
        return perCharacter * length
    }

    /// The value of `key`, or `defaultValue` when it is missing or empty.
    package func string(_ key: String, default defaultValue: String) -> String {
        note(key, default: defaultValue)
        guard let value = environment[key], !value.isEmpty else { return defaultValue }
        return value
    }

    /// The value of `key` when set and non-empty.
    package func optional(_ key: String) -> String? {
        note(key, default: nil)
        guard let value = environment[key], !value.isEmpty else { return nil }
        return value
    }

    /// An integer setting within `range`.
    package mutating func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max) -> Int {
        note(key, default: String(defaultValue))
        guard let raw = optional(key) else { return defaultValue }
        guard let value = Int(raw), range.contains(value) else {
            problems.append("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            return defaultValue
        }
        return value
    }

    /// A retention period in whole days (`RETENTION_*_DAYS`): nil when unset, which keeps everything.
    package mutating func days(_ key: String) -> Duration? {
        note(key, default: nil)
        guard let raw = optional(key) else { return nil }
        guard let days = Int(raw), (1...36500).contains(days) else {
            problems.append("\(key) must be a number of days in 1...36500 (unset keeps everything), got '\(raw)'")
            return nil
        }
        return .seconds(days * 86400)
    }

    /// A number of whole seconds within `range`, nil when unset.
    package mutating func seconds(_ key: String, in range: ClosedRange<Int>) -> Duration? {
        note(key, default: nil)
        guard let raw = optional(key) else { return nil }
        guard let seconds = Int(raw), range.contains(seconds) else {
            problems.append("\(key) must be a number of seconds in \(range.lowerBound)...\(range.upperBound) (or unset), got '\(raw)'")
            return nil
        }
        return .seconds(seconds)
    }

    /// A boolean setting: `true`/`false` (also `1`/`0`, `yes`/`no`).
    package mutating func bool(_ key: String, default defaultValue: Bool) -> Bool {
        note(key, default: String(defaultValue))
        guard let raw = optional(key)?.lowercased() else { return defaultValue }
        switch raw {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            problems.append("\(key) must be true or false, got '\(raw)'")
            return defaultValue
        }
    }

    /// A floating-point setting within `range`.
    package mutating func double(_ key: String, default defaultValue: Double, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude)
        -> Double
    {
        note(key, default: String(defaultValue))
        guard let raw = optional(key) else { return defaultValue }
        guard let value = Double(raw), range.contains(value) else {
            problems.append("\(key) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            return defaultValue
        }
        return value
    }

    /// A `key=value,key=value` map setting; each value is checked by `parse`.
    package mutating func map<Value>(
        _ key: String, default defaultValue: String, parse: (String) -> Value?
    ) -> [String: Value] {
        let raw = string(key, default: defaultValue)
        var result: [String: Value] = [:]
        for entry in raw.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let value = parse(parts[1]) else {
                problems.append("\(key) has an invalid entry '\(entry)' (expected name=value)")
                continue
            }
            result[parts[0]] = value
        }
        return result
    }

    /// Records a problem found while interpreting a value.
    package mutating func problem(_ message: String) {
        problems.append(message)
    }

    /// Throws a ``ConfigError`` listing every problem, if there were any.
    package func validate() throws(ConfigError) {
        if !problems.isEmpty { throw ConfigError(problems: problems) }
    }
}

/// Start-up configuration was incomplete or invalid.
package struct ConfigError: Error, CustomStringConvertible {
    /// One human-readable line per problem.
    package let problems: [String]
    package var description: String {
        "Invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
