import Foundation
import PublicAPI
import Synchronization

/// A generation's progress on standard error: a live bar on a terminal (redrawn as time passes), otherwise one line per
/// change of status or percent, so logs and pipes read well too.
final class ProgressDisplay: Sendable {
    private struct State {
        var status = GenerationStatus.pending
        var progress = 0
        /// While it waits: its place in the queue and when it should start.
        var position: Int?
        var startAt: Date?
        var printed: String?
        var paused = false
        var finished = false
    }

    let id: String
    private let quiet: Bool
    private let terminal: Bool
    private let start = ContinuousClock.now
    private let state = Mutex(State())

    init(id: String, quiet: Bool) {
        self.id = id
        self.quiet = quiet
        terminal = isatty(STDERR_FILENO) == 1
        guard terminal, !quiet else { return }
        Task { [self] in
            while !state.withLock({ $0.finished }) {
                redraw()
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func show(_ event: GenerationEvent) {
        state.withLock {
            $0.status = event.status
            $0.progress = event.progress
        }
        redraw()
    }

    /// The generation as created.
    func show(_ generation: GenerationBody) {
        state.withLock {
            $0.status = generation.status
            $0.progress = generation.progress
        }
        redraw()
    }

    /// Where the generation stands while it waits (the event stream's `queue` events).
    func show(_ place: QueueEvent) {
        state.withLock {
            $0.position = place.queuePosition
            $0.startAt = place.estimatedStartAt
        }
        redraw()
    }

    func pause() { state.withLock { $0.paused = true } }
    func resume() { state.withLock { $0.paused = false } }

    /// The last line, ended.
    func finish(_ status: GenerationStatus) {
        state.withLock {
            $0.status = status
            if status == .completed { $0.progress = 100 }
        }
        redraw()
        let wasFinished = state.withLock { state in
            defer { state.finished = true }
            return state.finished
        }
        if terminal, !quiet, !wasFinished { write("\n") }
    }

    private var elapsed: String {
        let seconds = (ContinuousClock.now - start) / .milliseconds(100)
        return String(format: "%.1fs", seconds / 10)
    }

    private func redraw() {
        guard !quiet else { return }
        let (status, progress, paused, finished, position, startAt) = state.withLock {
            ($0.status, $0.progress, $0.paused, $0.finished, $0.position, $0.startAt)
        }
        guard !paused, !finished else { return }
        var waiting = ""
        if status == .pending || status == .queued, let position {
            waiting = " (\(position) ahead" + (startAt.map { ", starts in ~\(max(0, Int($0.timeIntervalSinceNow.rounded()))) s" } ?? "") + ")"
        }
        if terminal {
            let width = 24
            let filled = width * progress / 100
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write(
                "\r\u{1B}[2K\(status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(bar) \(String(format: "%3d", progress)) %  \(elapsed)\(waiting)"
            )
        } else {
            let line = "\(id) \(status.rawValue) \(progress) %\(waiting)"
            let isNew = state.withLock { state in
                guard state.printed != line else { return false }
                state.printed = line
                return true
            }
            if isNew { write("\(line) \(elapsed)\n") }
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
