import Foundation
import Histogram
import Synchronization

/// Latency samples in microseconds, summarised as percentiles.
struct LatencyReport {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(_ duration: Duration) {
        let micros = max(1, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        _ = histogram.record(UInt64(micros))
    }

    mutating func record(nanoseconds: UInt64) { _ = histogram.record(max(1, nanoseconds / 1000)) }

    var count: UInt64 { histogram.totalCount }

    /// `p50 1.23 ms, p99 4.56 ms, max 7.89 ms (n=1000)`.
    var summary: String {
        func ms(_ p: Double) -> String { String(format: "%.2f ms", Double(histogram.valueAtPercentile(p)) / 1000) }
        return "p50 \(ms(50)), p90 \(ms(90)), p99 \(ms(99)), max \(String(format: "%.2f ms", Double(histogram.max) / 1000)) (n=\(count))"
    }

    func percentile(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
}

/// A monotonic timestamp comparable across processes on one Linux machine (CLOCK_MONOTONIC).
func monotonicNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Resident set size of a process, from /proc (VmRSS and peak VmHWM, in MiB).
func memory(of pid: Int32) -> (rss: Double, peak: Double)? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    func field(_ name: String) -> Double? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
        return line.split(separator: " ").compactMap { Double($0) }.first.map { $0 / 1024 }
    }
    guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
    return (rss, peak)
}

/// A latency report shared by concurrent tasks.
final class SharedLatency: Sendable {
    private let state = Mutex(LatencyReport())
    func record(_ duration: Duration) { state.withLock { $0.record(duration) } }
    func record(nanoseconds: UInt64) { state.withLock { $0.record(nanoseconds: nanoseconds) } }
    var report: LatencyReport { state.withLock { $0 } }
    func reset() { state.withLock { $0 = LatencyReport() } }
}

/// A counter shared by concurrent tasks.
final class Tally: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ n: Int = 1) { value.add(n, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
