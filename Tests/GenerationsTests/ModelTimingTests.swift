import Catalog
import Foundation
import Generations
import PostgresNIO
import TestSupport
import Testing

/// Learned durations: every generator's samples, merged a batch at a time, converge on what a model really takes.
@Suite("Model timings")
struct ModelTimingTests {
    let model = "black-forest-labs/flux-schnell"

    @Test("Until five runs are known the catalog's typical time stands; then the learned median and 90th percentile do")
    func seededFromCatalog() async throws {
        try await TestDatabase.withClient { client, _ in
            let timings = ModelTimingStore(client: client, logger: TestDatabase.logger)
            let spec = try #require(ModelCatalog.model(model))
            for _ in 0..<4 { timings.recordRun(model, seconds: 12) }
            timings.recordWait(model, seconds: 3)
            #expect(try await timings.flush() == 1)
            var loaded = try await timings.load()
            #expect(loaded[model]?.runP50 == spec.typicalSeconds)
            #expect(loaded[model]?.runSamples == 0)
            #expect(loaded[model]?.queueWait == 3)
            for seconds in [10.0, 14, 12, 11, 13] { timings.recordRun(model, seconds: seconds) }
            try await timings.flush()
            loaded = try await timings.load()
            let learned = try #require(loaded[model])
            #expect(learned.runSamples == 9)
            #expect(abs(learned.runP50 - 12) < 1, "\(learned)")
            #expect(learned.runP90 > learned.runP50)
            #expect(timings.timing(of: spec) == learned)
            // Models nobody ran keep the catalog's figure.
            #expect(loaded["stability-ai/sdxl"]?.runSamples == 0)
        }
    }

    @Test("A model whose real time drifts from 2 s to 8 s is followed: the median ends near 8 s, batches written by several generators")
    func followsDrift() async throws {
        try await TestDatabase.withClient { client, _ in
            let generators = (0..<3).map { _ in ModelTimingStore(client: client, logger: TestDatabase.logger) }
            for round in 0..<10 {
                for (index, timings) in generators.enumerated() {
                    for sample in 0..<4 {
                        let base = round < 2 ? 2.0 : 8.0
                        timings.recordRun(model, seconds: base * (1 + 0.1 * Double((index + sample) % 3 - 1)))
                    }
                    try await timings.flush()
                }
            }
            let learned = try #require(try await generators[0].load()[model])
            #expect(learned.runSamples == 120)
            #expect(abs(learned.runP50 - 8) < 0.8, "\(learned)")
            #expect(learned.runP90 < 12, "\(learned)")
        }
    }

    @Test(
        "A parked prediction is next polled when a learned time says it usually ends; the catalog's figure never delays a poll past pollMax; past the usual end, polls follow the spread"
    )
    func nextPoll() throws {
        let spec = try #require(ModelCatalog.model("bytedance/seedream-4"))
        let catalog = ModelTiming(catalog: spec)
        let learned = ModelTiming(runP50: 30, runP90: 34, runSamples: 20, queueWait: nil)
        // 25 s before the model usually ends: a learned time waits it out, the catalog's comes back after pollMax.
        #expect(learned.nextPoll(untilTypicalEnd: 25, pollMax: .seconds(5)) == .seconds(25))
        #expect(catalog.nextPoll(untilTypicalEnd: 25, pollMax: .seconds(5)) == .seconds(5))
        // Past it: as often as the learned spread suggests (a quarter of p90 − p50), at least every pollMax.
        #expect(learned.nextPoll(untilTypicalEnd: -2, pollMax: .seconds(5)) == .seconds(1))
        #expect(ModelTiming(runP50: 10, runP90: 60, runSamples: 20, queueWait: nil).nextPoll(untilTypicalEnd: 0, pollMax: .seconds(5)) == .seconds(5))
        #expect(
            ModelTiming(runP50: 10, runP90: 10.1, runSamples: 20, queueWait: nil).nextPoll(untilTypicalEnd: 0, pollMax: .seconds(5))
                == .milliseconds(500))
        // The catalog's figure past its end: its spread too (p90 is half as long again: 14 s → a poll every 1.75 s).
        #expect(spec.typicalSeconds == 14)
        #expect(catalog.nextPoll(untilTypicalEnd: -2, pollMax: .seconds(5)) == .seconds(1.75))
        // Later still, a quarter of how late it is, up to pollMax: a figure far off costs few polls.
        #expect(catalog.nextPoll(untilTypicalEnd: -12, pollMax: .seconds(5)) == .seconds(3))
        #expect(catalog.nextPoll(untilTypicalEnd: -40, pollMax: .seconds(5)) == .seconds(5))
    }
}
