/// Reads an SVG as it streams past and remembers the first thing in it that could run script or reach out when the
/// file is opened: script elements, event-handler attributes, `javascript:` URLs, embedded documents, and references
/// to anything outside the file. A chunk boundary cannot hide a pattern: each window overlaps the previous one.
package final class SVGScanner {
    private static let forbidden: [(pattern: String, what: String)] = [
        (#"<\s*script"#, "a script element"),
        (#"javascript\s*:"#, "a javascript: URL"),
        (#"<\s*(foreignobject|iframe|embed|object)"#, "an embedded document"),
        (#"[\s"'/]on[a-z]+\s*="#, "an event-handler attribute"),
        (#"(href|src)\s*=\s*["']?\s*(https?:|//|data:text)"#, "a reference to an outside resource"),
        (#"url\(\s*["']?\s*(https?:|//)"#, "a reference to an outside resource"),
        (#"@import"#, "a stylesheet import"),
    ]
    private static let overlap = 256
    private let patterns: [(Regex<AnyRegexOutput>, String)] = forbidden.compactMap { entry in
        (try? Regex(entry.pattern).ignoresCase()).map { ($0, entry.what) }
    }
    private var tail: [UInt8] = []

    /// The first forbidden thing seen so far, if any.
    package private(set) var problem: String?

    package init() {}

    /// Scans the next chunk of the file.
    package func feed(_ bytes: some Collection<UInt8>) {
        guard problem == nil else { return }
        let window = tail + bytes
        let text = String(decoding: window, as: UTF8.self)
        problem = patterns.first { text.contains($0.0) }?.1
        tail = Array(window.suffix(Self.overlap))
    }
}
