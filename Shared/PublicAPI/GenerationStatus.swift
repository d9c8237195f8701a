/// Lifecycle states of a generation. `completed`, `failed` and `cancelled` are terminal: only an operator's revive
/// leaves `failed`.
package enum GenerationStatus: String, Sendable, Codable, CaseIterable {
    case pending, queued, processing, downloading, completed, failed, cancelled

    package var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
}
