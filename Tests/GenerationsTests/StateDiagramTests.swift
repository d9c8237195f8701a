import Foundation
import Generations
import Testing

/// The state machine drawn in docs/architecture.md is the one `GenerationTransition` declares.
@Suite("State diagram")
struct StateDiagramTests {
    @Test("docs/architecture.md draws exactly GenerationTransition's changes and events")
    func drawingMatches() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let diagram = try #require(text.components(separatedBy: "```mermaid").dropFirst().first?.components(separatedBy: "```").first)
        var drawn: Set<String> = []
        for line in diagram.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard parts.count == 4, parts[1] == "-->" else { continue }
            drawn.insert("\(parts[0]) > \(parts[2]) \(parts[3])")
        }
        var declared = Set(GenerationTransition.allowedChanges.map { "\($0.from.rawValue) > \($0.to.rawValue): \($0.event)" })
        declared.insert("[*] > \(GenerationTransition.create.to.rawValue): \(GenerationTransition.create.event)")
        #expect(drawn == declared)
    }
}
