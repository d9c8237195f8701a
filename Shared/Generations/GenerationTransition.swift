import PublicAPI

/// The generation's state machine: every status change there is, who makes it, and the event it records. Every writer
/// of `image_generations.status` goes through one of these (``setSQL`` and ``guardSQL``), and the database refuses any
/// other change (the trigger `imagegen_guard_generation_transition`), so a new writer cannot invent a transition.
package enum GenerationTransition: String, Sendable, CaseIterable {
    /// The gateway accepted a request: the generation is inserted `queued` with its `generate-image` job.
    case create
    /// The generator took the job (again, on a retry: a processing generation may be started again).
    case start
    /// The prediction succeeded: outputs recorded, `download-image` enqueued.
    case handOver
    /// The downloader stored every output.
    case complete
    /// Replicate refused or failed the prediction, an output could not be stored, or the job was dead-lettered.
    case fail
    /// The user cancelled.
    case cancel
    /// An operator requeued the dead `generate-image` job: the generation runs again.
    case revive
    /// An operator requeued the dead `download-image` job: its outputs are fetched again.
    case reviveDownload

    /// The statuses this transition leaves (empty for ``create``, which inserts).
    package var from: [GenerationStatus] {
        switch self {
        case .create: []
        case .start: [.pending, .queued, .processing]
        case .handOver: [.processing]
        case .complete: [.downloading]
        case .fail, .cancel: [.pending, .queued, .processing, .downloading]
        case .revive, .reviveDownload: [.failed]
        }
    }

    /// The status it enters.
    package var to: GenerationStatus {
        switch self {
        case .create: .queued
        case .start: .processing
        case .handOver: .downloading
        case .complete: .completed
        case .fail: .failed
        case .cancel: .cancelled
        case .revive: .queued
        case .reviveDownload: .downloading
        }
    }

    /// Who makes it.
    package var actor: String {
        switch self {
        case .create, .cancel: "gateway (the user)"
        case .start, .handOver: "generator"
        case .complete: "downloader"
        case .fail: "generator, downloader, or the queue when the job is dead-lettered"
        case .revive, .reviveDownload: "the queue, when an operator requeues the dead job"
        }
    }

    /// The name of the event it records in `generation_events.event` (and streams to clients).
    package var event: String {
        switch self {
        case .create: "created"
        case .start: "started"
        case .handOver: "generated"
        case .complete: "completed"
        case .fail: "failed"
        case .cancel: "cancelled"
        case .revive, .reviveDownload: "revived"
        }
    }

    /// `status = '<to>'`, for an `UPDATE`'s `SET`.
    package var setSQL: String { "status = '\(to.rawValue)'" }

    /// `status IN (<from>)`, for an `UPDATE`'s `WHERE`: the row changes only from a status this transition leaves.
    package var guardSQL: String { "status IN (\(from.map { "'\($0.rawValue)'" }.joined(separator: ", ")))" }

    /// Every status change some transition makes, with the event it records (what the database's guard trigger and
    /// event log must agree with: `Tests/SchemaTests` checks them against each other).
    package static var allowedChanges: [(from: GenerationStatus, to: GenerationStatus, event: String)] {
        allCases.flatMap { transition in transition.from.filter { $0 != transition.to }.map { ($0, transition.to, transition.event) } }
    }
}
