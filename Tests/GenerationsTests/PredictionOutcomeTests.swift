import Catalog
import Foundation
import Generations
import ReplicateAPI
import Testing
import WireFormat

/// What a prediction means for its generation, decided once for the generator's poll and the gateway's webhook.
@Suite("Prediction outcome")
struct PredictionOutcomeTests {
    static let sdxl = ModelCatalog.model("stability-ai/sdxl")

    func prediction(_ status: PredictionStatus, output: JSONValue? = nil, dataRemoved: Bool? = nil, predictTime: Double? = nil, error: String? = nil)
        -> Prediction
    {
        Prediction(
            id: "p", model: "stability-ai/sdxl", version: "v", input: nil, output: output, logs: nil, error: error, status: status,
            createdAt: nil, startedAt: nil, completedAt: nil, metrics: predictTime.map { .init(predictTime: $0) }, urls: [:], dataRemoved: dataRemoved
        )
    }

    @Test("Each ending of a prediction, and its cost")
    func endings() throws {
        let sdxl = try #require(Self.sdxl)
        let perSecond = try #require(sdxl.cost(outputs: 0, predictTime: 10, width: 1024, height: 1024))
        #expect(PredictionOutcome(prediction(.processing), model: sdxl, width: 1024, height: 1024) == .running(progress: nil))
        let output = JSONValue.array([.string("https://replicate.delivery/a.png")])
        #expect(
            PredictionOutcome(prediction(.succeeded, output: output, predictTime: 10), model: sdxl, width: 1024, height: 1024)
                == .succeeded(
                    outputs: ["https://replicate.delivery/a.png"], predictTime: 10,
                    cost: sdxl.cost(outputs: 1, predictTime: 10, width: 1024, height: 1024))
        )
        #expect(
            PredictionOutcome(prediction(.succeeded, dataRemoved: true, predictTime: 10), model: sdxl, width: 1024, height: 1024)
                == .failed(.outputExpired, billed: perSecond))
        #expect(
            PredictionOutcome(prediction(.succeeded, predictTime: 10), model: sdxl, width: 1024, height: 1024)
                == .failed(.noOutput, billed: perSecond))
        #expect(
            PredictionOutcome(prediction(.failed, predictTime: 10, error: "CUDA"), model: sdxl, width: 1024, height: 1024)
                == .failed(.modelFailed("CUDA"), billed: perSecond))
        for status in [PredictionStatus.canceled, .aborted] {
            #expect(PredictionOutcome(prediction(status), model: sdxl, width: 1024, height: 1024) == .failed(.cancelledUpstream, billed: nil))
        }
    }
}
