import Catalog
import Foundation
import Generations
import JobQueue
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// A waiting generation's queue position is the claim's own order: under fair claims, several users and priorities, the
/// generation at position N is the (N+1)th claimed.
@Suite("Queue position")
struct QueuePositionTests {
    @Test("Positions under fair claims with several users and priorities equal the order the claim takes them in")
    func positionIsClaimOrder() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            let (alice, bob, carol) = (UUID(), UUID(), UUID())
            var generations: [Generation] = []
            // Alice's backlog first, then Bob's and Carol's, with priorities mixed in.
            let plan: [(UUID, Int)] = [
                (alice, 0), (alice, 0), (alice, 0), (alice, 5), (bob, 0), (alice, 0), (carol, 5), (bob, 0), (carol, 0), (alice, 5),
            ]
            for (user, priority) in plan {
                var request = try GenerationRequest.validate(["prompt": "wait", "model_id": "black-forest-labs/flux-schnell"])
                request.priority = priority
                generations.append(
                    try await store.create(request, userID: user, maxRunning: 1000, idempotencyKey: nil, requestHash: "h").generation)
            }
            // A short queue is sampled whole: each job's place is how many sampled jobs precede it.
            let (sample, spacing) = try await queue.claimOrderSample(type: GenerateImage.name)
            #expect(spacing == 1 && sample.count == generations.count)
            let keys = try await queue.claimKeys(dedupeKeys: generations.map { GenerateImage.dedupeKey($0.id) })
            var positions: [UUID: Int] = [:]
            for generation in generations {
                let key = try #require(keys[GenerateImage.dedupeKey(generation.id)])
                positions[generation.id] = sample.prefix { $0.precedes(key) }.count
            }
            #expect(Set(positions.values) == Set(0..<generations.count))
            // Claim one at a time: the n-th claimed is the one at position n.
            for expected in 0..<generations.count {
                let claimed = try #require(try await queue.claim(limits: [GenerateImage.name: 1], worker: "w", lease: .seconds(30)).first)
                let payload = try JSONCoding.decoder().decode(GenerationJobPayload.self, from: Data(claimed.payload.utf8))
                let id = payload.generationId
                #expect(positions[id] == expected, "claim \(expected) took a generation at position \(positions[id] ?? -1)")
            }
            // A job no longer waiting has no place.
            #expect(try await queue.claimKeys(dedupeKeys: [GenerateImage.dedupeKey(generations[0].id)]).isEmpty)
        }
    }

    @Test("Deep in a long queue, the claim-order sample places a job to within its spacing of the exact count")
    func sampledPosition() async throws {
        try await TestDatabase.withClient { client, _ in
            let queue = JobQueue(client: client, logger: TestDatabase.logger)
            let jobs = (0..<2500).map { NewJob(type: GenerateImage.name, payload: "{}", priority: $0 % 3, dedupeKey: "deep:\($0)") }
            try await queue.enqueue(jobs)
            let (sample, spacing) = try await queue.claimOrderSample(type: GenerateImage.name, size: 25)
            #expect(spacing == 100 && sample.count == 25)
            #expect(zip(sample, sample.dropFirst()).allSatisfy { $0.precedes($1) })
            // The exact place, from the whole queue, against the one the sample gives.
            let (whole, _) = try await queue.claimOrderSample(type: GenerateImage.name, size: 10_000)
            let keys = try await queue.claimKeys(dedupeKeys: ["deep:7", "deep:1234", "deep:2499"])
            for (name, key) in keys {
                let exact = whole.prefix { $0.precedes(key) }.count
                let placed = sample.prefix { $0.precedes(key) }.count * spacing
                #expect(placed <= exact && exact < placed + spacing, "\(name): exact \(exact), placed \(placed)")
            }
        }
    }
}
