import Foundation
import Generations
import JobQueue
import PublicAPI

/// What one event stream says of its generation's place in the queue. Each check (every second) estimates from what the
/// gateway keeps in memory (``QueueEstimates``, ``PauseBoard``); the generation and its waiting job's claim key are read
/// again (one prepared query) every 5 s and after each status event. A `queue` event is due only when something a
/// client shows changed: the place, the pause, or an estimate by 5 s or more (an overdue one, which only follows the
/// clock, is not news).
actor QueueWatch {
    private var generation: Generation
    private let user: UUID
    private let routes: GenerationRoutes
    private var claimKey: ClaimKey?
    private var readAt: ContinuousClock.Instant?
    private var sent: QueueEvent?

    init(generation: Generation, user: UUID, routes: GenerationRoutes) {
        self.generation = generation
        self.user = user
        self.routes = routes
    }

    /// The stream sent a status event: read the generation again at the next check.
    func saw(_ status: GenerationStatus) { readAt = nil }

    /// The queue event to send now, if any.
    func changed() async throws -> QueueEvent? {
        if readAt.map({ .now - $0 >= .seconds(5) }) ?? true {
            guard let found = try await routes.store.findShown(generation.id, userID: user) else { return nil }
            (generation, claimKey) = found
            readAt = .now
        }
        guard !generation.status.isTerminal else { return nil }
        let paused = routes.pauseBoard.holds(generation, in: try await routes.pauseBoard.current())
        let estimate = try await routes.estimates.estimate(generation, claimKey: claimKey, paused: paused)
        let event = QueueEvent(generationId: generation.id, paused: paused, estimate: estimate)
        if let sent, Self.same(sent, event) { return nil }
        sent = event
        return event
    }

    private static func same(_ a: QueueEvent, _ b: QueueEvent) -> Bool {
        let now = Date()
        func near(_ x: Date?, _ y: Date?) -> Bool {
            switch (x, y) {
            case (nil, nil): true
            case (let x?, let y?): abs(x.timeIntervalSince(y)) < 5 || max(x, y) <= now.addingTimeInterval(1)
            default: false
            }
        }
        return a.paused == b.paused && a.queuePosition == b.queuePosition && near(a.estimatedStartAt, b.estimatedStartAt)
            && near(a.estimatedCompletionAt, b.estimatedCompletionAt)
    }
}
