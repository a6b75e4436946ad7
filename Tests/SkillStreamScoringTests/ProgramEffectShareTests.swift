import Foundation
import SkillStreamDomain
import Testing

@testable import SkillStreamScoring

/// Program effects shared between the partitions of a group: a share counts beside the engine's
/// own measurements less its own partition's part, whenever it is applied; it changes no
/// program's definition; and it survives a checkpoint.
@Suite struct ProgramEffectShareTests {
    static let id = "prog-ritmo-servicio"

    static func program(_ engine: SkillEngine, _ id: String = id) throws -> TrainingProgramReference {
        try #require(engine.programs.first { $0.programID == id })
    }

    /// The records sharing these partitions' measurements, as `share-program-effects` publishes
    /// them: bytes and message key.
    static func share(_ engine: SkillEngine, _ byPartition: [Int32: [String: [Skill: ProgramEffectiveness.Estimate]]], at time: String) -> [([UInt8], String)] {
        ProgramEffectShare.records(catalog: engine.programs, byPartition: byPartition, at: EventTime(rfc3339: time)!).map {
            (EventEncoder.encode(.trainingProgram($0)), ContractEvent.trainingProgram($0).messageKey)
        }
    }

    static func apply(_ record: ([UInt8], String), to engine: SkillEngine) -> ProcessingOutcome {
        engine.process(record.0, key: record.1).outcome
    }

    static func estimate(_ engine: SkillEngine) throws -> ProgramEffectiveness.Estimate {
        engine.effectiveness.estimate(of: try program(engine), skill: .timeliness)
    }

    @Test func aShareCountsTheOtherPartitionsWhenEverItIsAppliedAndNothingTwice() throws {
        let engine = SkillEngine(defaultPrograms: try RecommendationTests.catalog())
        engine.partition = 2
        engine.effectiveness.record(programID: Self.id, skill: .timeliness, effect: 10)
        engine.effectiveness.record(programID: Self.id, skill: .timeliness, effect: 14)
        // The pool as PostgreSQL held it: partition 2's first measurement only (its second came
        // after its last checkpoint), and partition 0's four.
        let records = Self.share(
            engine, [2: [Self.id: [.timeliness: .init(observations: 1, sum: 10)]], 0: [Self.id: [.timeliness: .init(observations: 4, sum: 80)]]],
            at: "2026-07-01T04:00:00-05:00")
        #expect(records.count == 1)
        #expect(records[0].1 == Self.id + " measured_effects", "keyed apart from the program's definition, which compaction keeps too")
        for record in records {
            guard case .processed = Self.apply(record, to: engine) else { throw ShareNotApplied() }
        }
        var estimate = try Self.estimate(engine)
        #expect(estimate.observations == 6 && abs(estimate.sum - 104) < 1e-9, "own two and partition 0's four: \(estimate)")
        engine.effectiveness.record(programID: Self.id, skill: .timeliness, effect: 2)
        estimate = try Self.estimate(engine)
        #expect(estimate.observations == 7 && abs(estimate.sum - 106) < 1e-9, "a later own measurement on top: \(estimate)")
        #expect(engine.effectiveness.estimates[Self.id]?[.timeliness]?.observations == 3, "the own evidence (what PostgreSQL keeps and the share pools) is only own")
        guard case .duplicate = Self.apply(records[0], to: engine) else { throw ShareNotApplied() }
        #expect(try Self.estimate(engine) == estimate, "the same share again is a duplicate and changes nothing")

        // The same share in an engine of partition 0, and in one of no partition (replay): each
        // leaves out its own part, or none.
        let other = SkillEngine(defaultPrograms: try RecommendationTests.catalog())
        other.partition = 0
        _ = Self.apply(records[0], to: other)
        #expect(try Self.estimate(other).observations == 1, "partition 2's one; its own four are its own measurements (none here)")
        let replay = SkillEngine(defaultPrograms: try RecommendationTests.catalog())
        _ = Self.apply(records[0], to: replay)
        #expect(try Self.estimate(replay).observations == 0, "an engine of every partition holds every part")

        // A checkpoint keeps the share (the partition number is the owner's to set again).
        let restored = try SkillEngine(snapshot: engine.snapshot(), defaultPrograms: try RecommendationTests.catalog())
        restored.partition = 2
        #expect(try Self.estimate(restored) == estimate)
        #expect(restored.snapshot() == engine.snapshot())
    }

    @Test func aShareChangesNoDefinitionAndADefinitionKeepsTheShare() throws {
        var catalog = try RecommendationTests.catalog()
        let engine = SkillEngine(defaultPrograms: catalog)
        engine.partition = 1
        let records = Self.share(engine, [0: [Self.id: [.timeliness: .init(observations: 3, sum: 45)]]], at: "2026-07-01T04:00:00-05:00")
        // A share built from an older copy of the program: its definition is not taken.
        var stale = try #require(ProgramEffectShare.records(
            catalog: engine.programs, byPartition: [0: [Self.id: [.timeliness: .init(observations: 3, sum: 45)]]], at: EventTime(rfc3339: "2026-07-01T04:00:00-05:00")!
        ).first)
        stale.titleES = "Título viejo"
        _ = engine.process(EventEncoder.encode(.trainingProgram(stale)), key: ContractEvent.trainingProgram(stale).messageKey)
        #expect(try Self.program(engine).titleES == catalog.first { $0.programID == Self.id }!.titleES, "the default catalog's definition stands")
        #expect(try Self.estimate(engine).observations == 3)
        _ = Self.apply(records[0], to: engine)

        // A later release's catalog changes the program: the restored engine shows the new definition, with the share.
        let index = try #require(catalog.firstIndex { $0.programID == Self.id })
        catalog[index].titleES = "Ritmo de servicio, edición 2027"
        let upgraded = try SkillEngine(snapshot: engine.snapshot(), defaultPrograms: catalog)
        upgraded.partition = 1
        #expect(try Self.program(upgraded).titleES == "Ritmo de servicio, edición 2027" && Self.estimate(upgraded).observations == 3)

        // A definition on the topic replaces the program and keeps its shared effects.
        var definition = try Self.program(upgraded)
        definition.measuredEffects = [:]
        definition.roles = [.server]
        definition.header = EventHeader(eventID: "catalog-v2", occurredAt: EventTime(rfc3339: "2026-07-02T04:00:00-05:00")!, restaurantID: "skillstream")
        _ = upgraded.process(EventEncoder.encode(.trainingProgram(definition)), key: Self.id)
        #expect(try Self.program(upgraded).roles == [.server] && Self.estimate(upgraded).observations == 3)
    }

    @Test func aShareDatedLongAfterThePartitionsHistoryMovesNoClock() throws {
        let engine = SkillEngine(defaultPrograms: try RecommendationTests.catalog())
        let visit = #"{"schema":"pos.table_service.v1","event_id":"v1","occurred_at":"2026-06-01T20:00:00-05:00","restaurant_id":"lim-01","staff_id":"s1","visit_id":"v1","table_id":"T1","covers":2,"seated_at":"2026-06-01T19:00:00-05:00","wait_time_seconds":600,"items_ordered":4,"items_incorrect":0}"#
        _ = engine.process(Array(visit.utf8), key: "lim-01")
        let records = Self.share(engine, [0: [Self.id: [.timeliness: .init(observations: 3, sum: 45)]]], at: "2026-12-01T04:00:00-05:00")
        _ = Self.apply(records[0], to: engine)
        let next = visit.replacingOccurrences(of: "\"v1\"", with: "\"v2\"").replacingOccurrences(of: "20:00:00", with: "21:00:00")
        guard case .processed(_, let notes) = engine.process(Array(next.utf8), key: "lim-01").outcome else { throw ShareNotApplied() }
        #expect(!notes.contains(.late), "a table an hour later is not late because a share came dated December")
        #expect(engine.state.watermark < EventTime(rfc3339: "2026-06-02T00:00:00-05:00")!.millisecondsSinceEpoch)
    }

    @Test func measuredEffectsInTheDefaultCatalogCountFromTheStartBesideAShare() throws {
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
        engine.partition = 3
        for record in Self.share(engine, [0: ["prog-sombra-capitan": [.timeliness: .init(observations: 2, sum: 10)]]], at: "2026-07-01T04:00:00-05:00") {
            _ = Self.apply(record, to: engine)
        }
        let both = engine.effectiveness.estimate(of: try Self.program(engine, "prog-sombra-capitan"), skill: .timeliness)
        #expect(both.observations == 22 && abs(both.sum - 510) < 1e-9, "the catalog's evidence and the share's together: \(both)")
        engine.partition = nil
        let all = engine.effectiveness.estimate(of: try Self.program(engine, "prog-sombra-capitan"), skill: .timeliness)
        #expect(all.observations == 20, "an engine of every partition: the catalog's evidence alone")

        // A catalog line with a share's parts is refused: every engine would count them in full.
        var withParts = programs[index]
        withParts.measuredEffects = [.timeliness: MeasuredEffect(observations: 2, meanEffect: 5, partitions: [0: .init(observations: 2, meanEffect: 5)])]
        #expect(throws: TrainingCatalog.Problem.self) { try TrainingCatalog.programs(jsonLines: EventEncoder.encode(.trainingProgram(withParts))) }
    }

    @Test func theShareCarriesEachPartitionsPartOfOnlyTheSkillsAProgramTrains() throws {
        let catalog = try RecommendationTests.catalog()
        let byPartition: [Int32: [String: [Skill: ProgramEffectiveness.Estimate]]] = [
            0: [Self.id: [.timeliness: .init(observations: 2, sum: 30), .guestRapport: .init(observations: 1, sum: 5)], "prog-unknown": [.timeliness: .init(observations: 1, sum: 1)]],
            4: [Self.id: [.timeliness: .init(observations: 1, sum: -6)]],
        ]
        let time = EventTime(rfc3339: "2026-07-01T04:00:00-05:00")!
        let records = ProgramEffectShare.records(catalog: catalog, byPartition: byPartition, at: time)
        #expect(records.map(\.programID) == [Self.id])
        #expect(
            records[0].measuredEffects == [
                .timeliness: MeasuredEffect(observations: 3, meanEffect: 8, partitions: [0: .init(observations: 2, meanEffect: 15), 4: .init(observations: 1, meanEffect: -6)])
            ], "rapport is not a skill it trains")
        #expect(records[0].header.eventID == "effects-\(Self.id)-\(time.millisecondsSinceEpoch)" && records[0].header.occurredAt == time)
        #expect(records[0].titleES == catalog.first { $0.programID == Self.id }!.titleES, "the rest of the record unchanged")
    }

    struct ShareNotApplied: Error {}
}
