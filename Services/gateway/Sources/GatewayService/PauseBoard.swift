import Foundation
import Generations
import JobQueue
import PublicAPI
import ServiceKit

/// The operator's pauses as the gateway shows them (a waiting generation's `paused`, each model's in `/v1/models`), read
/// at most once a second per gateway.
final class PauseBoard: Sendable {
    private let pauses: SharedRead<[DispatchPause]>

    init(queue: JobQueue, refresh: Duration = .seconds(1)) {
        pauses = SharedRead(freshFor: refresh) { try await queue.pauses() }
    }

    /// The pauses in force, as of at most `refresh` ago.
    func current() async throws -> [DispatchPause] {
        try await pauses.value()
    }

    /// Whether `generation` waits to start on a pause of its model or of generation itself.
    func holds(_ generation: Generation, in pauses: [DispatchPause]) -> Bool {
        guard generation.status == .pending || generation.status == .queued else { return false }
        return pauses.contains { ($0.kind == .model && $0.name == generation.modelId) || ($0.kind == .jobType && $0.name == GenerateImage.name) }
    }

    /// Whether `model` is paused.
    func isPaused(model: String, in pauses: [DispatchPause]) -> Bool {
        pauses.contains { $0.kind == .model && $0.name == model }
    }
}

/// The models operators disabled (`model_states`), by id with the reason, read at most once a second per gateway: a
/// model disabled through the admin API is refused everywhere within about a second.
final class DisabledModels: Sendable {
    private let states: SharedRead<[String: String]>

    init(store: ModelStateStore, refresh: Duration = .seconds(1)) {
        states = SharedRead(freshFor: refresh) { try await store.disabled() }
    }

    /// The disabled models with why, as of at most `refresh` ago.
    func current() async throws -> [String: String] { try await states.value() }

    /// The problem of a request for `model` when it is disabled (422 naming `model_id` and the operator's reason).
    func refusal(of model: String, in disabled: [String: String]) -> Problem.FieldError? {
        disabled[model].map { .init(field: "model_id", message: "\(model) is disabled by the operator: \($0)") }
    }
}
