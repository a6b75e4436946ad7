import Foundation
import SkillStreamDomain
import Testing

@testable import SkillStreamScoring

/// Program effects shared between the partitions of a group: a record's measured effects count
/// beside the engine's own later measurements, never twice, and survive a checkpoint.
@Suite struct ProgramEffectShareTests {
    static func program(_ engine: SkillEngine, _ id: String) throws -> TrainingProgramReference {
        try #require(engine.programs.first { $0.programID == id })
    }

    /// The record that shares `pooled` for `id`, as `share-program-effects` would publish it.
    static func shareRecord(_ engine: SkillEngine, _ id: String, _ pooled: [Skill: ProgramEffectiveness.Estimate], at time: String) throws -> [UInt8] {
        let records = ProgramEffectShare.records(catalog: [try program(engine, id)], pooled: [id: pooled], at: EventTime(rfc3339: time)!)
        return EventEncoder.encode(.trainingProgram(try #require(records.first)))
    }

    @Test func sharedEffectsStandForEverythingUntilThenAndLaterOwnMeasurementsCountOnTop() throws {
        let engine = SkillEngine(defaultPrograms: try RecommendationTests.catalog())
        let id = "prog-ritmo-servicio"
        // Two own measurements, then the group's pool: those two and four from other partitions.
        engine.effectiveness.record(programID: id, skill: .timeliness, effect: 10)
        engine.effectiveness.record(programID: id, skill: .timeliness, effect: 14)
        let pooled = ProgramEffectShare.pool([
            engine.effectiveness.estimates, [id: [.timeliness: ProgramEffectiveness.Estimate(observations: 4, sum: 80)]],
        ])
        #expect(pooled[id]?[.timeliness] == ProgramEffectiveness.Estimate(observations: 6, sum: 104))
        let step = engine.process(try Self.shareRecord(engine, id, pooled[id]!, at: "2026-07-01T04:00:00-05:00"), key: id)
        guard case .processed = step.outcome else { throw ShareNotApplied(outcome: "\(step.outcome)") }
        var estimate = engine.effectiveness.estimate(of: try Self.program(engine, id), skill: .timeliness)
        #expect(estimate.observations == 6 && abs(estimate.sum - 104) < 1e-9, "the pool, the own two not counted again: \(estimate)")
        engine.effectiveness.record(programID: id, skill: .timeliness, effect: 2)
        estimate = engine.effectiveness.estimate(of: try Self.program(engine, id), skill: .timeliness)
        #expect(estimate.observations == 7 && abs(estimate.sum - 106) < 1e-9, "a later own measurement on top: \(estimate)")
        #expect(engine.effectiveness.estimates[id]?[.timeliness]?.observations == 3, "the own evidence (what PostgreSQL keeps and the pool sums) is only own")

        // A checkpoint keeps the program's shared effects and the own evidence they stood for.
        let restored = try SkillEngine(snapshot: engine.snapshot(), defaultPrograms: try RecommendationTests.catalog())
        #expect(restored.effectiveness.estimate(of: try Self.program(restored, id), skill: .timeliness) == estimate)
        #expect(restored.snapshot() == engine.snapshot())

        // Pooled again later (now with the own three), the newer share replaces the older.
        let again = ProgramEffectShare.pool([restored.effectiveness.estimates, [id: [.timeliness: .init(observations: 5, sum: 95)]]])
        _ = restored.process(try Self.shareRecord(restored, id, again[id]!, at: "2026-07-08T04:00:00-05:00"), key: id)
        estimate = restored.effectiveness.estimate(of: try Self.program(restored, id), skill: .timeliness)
        #expect(estimate.observations == 8 && abs(estimate.sum - 121) < 1e-9, "\(estimate)")

        // A record of the program without measured effects replaces the program: own evidence alone.
        var plain = try Self.program(restored, id)
        plain.measuredEffects = [:]
        plain.header = EventHeader(eventID: "catalog-v2-\(id)", occurredAt: EventTime(rfc3339: "2026-07-09T04:00:00-05:00")!, restaurantID: "skillstream")
        _ = restored.process(EventEncoder.encode(.trainingProgram(plain)), key: id)
        estimate = restored.effectiveness.estimate(of: try Self.program(restored, id), skill: .timeliness)
        #expect(estimate.observations == 3 && abs(estimate.sum - 26) < 1e-9, "\(estimate)")
    }

    @Test func measuredEffectsInTheDefaultCatalogCountFromTheStartAndRankTheProgramFirst() throws {
        var programs = try RecommendationTests.catalog()
        let index = try #require(programs.firstIndex { $0.programID == "prog-sombra-capitan" })
        programs[index].measuredEffects = [.timeliness: MeasuredEffect(observations: 20, meanEffect: 25)]
        let engine = SkillEngine(defaultPrograms: programs)
        let estimate = engine.effectiveness.estimate(of: try Self.program(engine, "prog-sombra-capitan"), skill: .timeliness)
        #expect(estimate.observations == 20 && abs(estimate.mean - 500.0 / 21) < 1e-9)
        let leads = (0..<100).filter { index in
            engine.recommender.recommend(
                for: RecommendationTests.alert(id: "gap-\(index)"), role: .server, completed: [], programs: engine.programs, effectiveness: engine.effectiveness
            ).first?.programID == "prog-sombra-capitan"
        }.count
        // Posterior 23.8 ± 3.3 against two unmeasured (0 ± 15): each outdraws it about 6% of the time;
        // without the catalog's effects each of the three would lead about a third of the time.
        #expect(leads >= 75, "20 measurements at +25 lead most draws: \(leads) of 100")
        #expect(engine.effectiveness.estimates(of: engine.programs).keys.sorted() == ["prog-sombra-capitan"])
    }

    @Test func onlyProgramsWithEvidenceOnASkillTheyTrainAreShared() throws {
        let catalog = try RecommendationTests.catalog()
        let pooled: [String: [Skill: ProgramEffectiveness.Estimate]] = [
            "prog-ritmo-servicio": [.timeliness: .init(observations: 2, sum: 30), .guestRapport: .init(observations: 1, sum: 5)],
            "prog-unknown": [.timeliness: .init(observations: 1, sum: 1)],
        ]
        let time = EventTime(rfc3339: "2026-07-01T04:00:00-05:00")!
        let records = ProgramEffectShare.records(catalog: catalog, pooled: pooled, at: time)
        #expect(records.map(\.programID) == ["prog-ritmo-servicio"])
        #expect(records[0].measuredEffects == [.timeliness: MeasuredEffect(observations: 2, meanEffect: 15)], "rapport is not a skill it trains")
        #expect(records[0].header.eventID == "effects-prog-ritmo-servicio-\(time.millisecondsSinceEpoch)" && records[0].header.occurredAt == time)
        #expect(records[0].titleES == catalog.first { $0.programID == "prog-ritmo-servicio" }!.titleES, "the rest of the record unchanged")
    }

    struct ShareNotApplied: Error {
        var outcome: String
    }
}
