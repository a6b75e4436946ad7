import Foundation
import SkillStreamDomain
import SkillStreamLearning
import SkillStreamSimulation
import Testing

@testable import SkillStreamScoring

/// The engine's checkpoint: what a restored engine does next is exactly what the original would
/// have done.
@Suite struct EngineSnapshotTests {
    /// Everything a message leads to, comparable.
    struct Output: Hashable {
        var outcome: String
        var alerts: [GapAlert]
        var recommendations: [TrainingRecommendation]
    }

    static func output(_ engine: SkillEngine, _ record: SimulatedRecord) -> Output {
        let step = engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
        return Output(outcome: "\(step.outcome)", alerts: step.alerts, recommendations: step.recommendations)
    }

    @Test func aRestoredEngineContinuesExactlyAsTheOriginal() throws {
        let simulator = simulatedWorld(seed: 5, restaurants: 4, staffPerRestaurant: 20, days: 75) { $0.weakStaffShare = 0.4 }
        var records: [SimulatedRecord] = []
        while let day = simulator.nextDay() { records += day }
        let programs = try RecommendationTests.catalog()

        let uninterrupted = SkillEngine(defaultPrograms: programs)
        let expected = records.map { Self.output(uninterrupted, $0) }

        // The same messages, with the engine checkpointed and restored at three points.
        var engine = SkillEngine(defaultPrograms: programs)
        var outputs: [Output] = []
        let cuts = Set([records.count / 4, records.count / 2, records.count * 9 / 10])
        var sawOpenGaps = false
        var sawResolvedGaps = false
        for (index, record) in records.enumerated() {
            if cuts.contains(index) {
                let bytes = engine.snapshot()
                let restored = try SkillEngine(snapshot: bytes, defaultPrograms: programs)
                let resaved = restored.snapshot()
                #expect(resaved.count == bytes.count && resaved == bytes, "restoring and saving again gives the same \(bytes.count) bytes")
                sawOpenGaps = sawOpenGaps || restored.openGaps > 0
                sawResolvedGaps = sawResolvedGaps || !restored.detector.resolvedAt.isEmpty
                engine = restored
            }
            outputs.append(Self.output(engine, record))
        }
        #expect(outputs.count == expected.count)
        let firstDifference = outputs.indices.first { outputs[$0] != expected[$0] }
        #expect(firstDifference == nil, "first difference at message \(firstDifference ?? -1)")
        #expect(sawOpenGaps, "a checkpoint held open gaps")
        #expect(sawResolvedGaps, "a checkpoint held gaps resolved lately (which reopen only on newer evidence)")
        #expect(expected.contains { !$0.recommendations.isEmpty }, "the run recommended training")
        #expect(engine.models.drivingModel(.dissatisfied) != nil, "the models were driving when restored")
        #expect(engine.models.quality()[0].quality.overall.count == uninterrupted.models.quality()[0].quality.overall.count)
    }

    /// After an upgrade, the processor restores the checkpoints the previous release wrote. A
    /// version 1 snapshot (Snapshots/README.md) restores with its open gaps and no resolutions,
    /// and the engine goes on exactly as one restored from the current format would.
    @Test func aCheckpointOfTheFirstFormatRestoresAndGoesOn() throws {
        let url = try #require(Bundle.module.url(forResource: "engine-v1", withExtension: "bin", subdirectory: "Snapshots"))
        let programs = try RecommendationTests.catalog()
        let old = try SkillEngine(snapshot: Array(try Data(contentsOf: url)), defaultPrograms: programs)
        #expect(old.openGaps == 4, "the gaps open when it was written")
        #expect(old.detector.resolvedAt.isEmpty, "the first format kept no resolutions")
        #expect(old.state.staff.count == 14)
        #expect(old.state.counters.consumed == 2_237, "every record it processed")
        #expect(old.state.counters.labelsJoined > 500 && old.models.quality()[0].quality.overall.count > 500, "the models had learnt")
        let current = try SkillEngine(snapshot: old.snapshot(), defaultPrograms: programs)
        // The next weeks of the same restaurant.
        let simulator = simulatedWorld(seed: 5, restaurants: 1, staffPerRestaurant: 12, days: 60) { $0.weakStaffShare = 0.4 }
        var records: [SimulatedRecord] = []
        while let day = simulator.nextDay() { records += day }
        let later = records.dropFirst(2_237)
        #expect(later.count > 1_000)
        let outputs = later.map { Self.output(old, $0) }
        #expect(outputs == later.map { Self.output(current, $0) }, "the same as from the current format")
        #expect(outputs.filter { $0.outcome.hasPrefix("processed") }.count > 1_000)
    }

    @Test func aDamagedCheckpointIsRefusedWithAReason() throws {
        let simulator = simulatedWorld(seed: 2, restaurants: 1, staffPerRestaurant: 8, days: 5)
        let engine = SkillEngine()
        while let day = simulator.nextDay() {
            for record in day { _ = engine.process(record.value, key: record.key) }
        }
        let bytes = engine.snapshot()
        for damaged in [Array(bytes.prefix(bytes.count / 2)), Array(bytes.dropFirst(3)), bytes + [0]] {
            #expect(throws: LearningError.self) { try SkillEngine(snapshot: damaged) }
        }
        #expect(throws: LearningError.self) { try SkillEngine(snapshot: engine.state.snapshot()) }
    }
}
