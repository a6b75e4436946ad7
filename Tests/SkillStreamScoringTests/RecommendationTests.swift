import Foundation
import SkillStreamDomain
import Testing

@testable import SkillStreamScoring

@Suite struct RecommendationTests {
    static let catalogFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/catalog/training-programs.jsonl")

    static func catalog() throws -> [TrainingProgramReference] {
        try TrainingCatalog.programs(jsonLines: Array(try Data(contentsOf: catalogFile)))
    }

    static func alert(skill: Skill = .timeliness, id: String = "gap-1") -> GapAlert {
        GapAlert(
            alertID: id, status: .open, staffID: "lim-01-s001", restaurantID: "lim-01", skill: skill, severity: 0.5, skillScore: 60, benchmark: 90,
            features: [], textES: "", textEN: "", model: GapDetector.model,
            detectedAt: EventTime(rfc3339: "2026-07-01T20:00:00-05:00")!)
    }

    @Test func defaultCatalogHasAtLeastTwelveProgramsInBothLanguagesCoveringEverySkill() throws {
        let programs = try Self.catalog()
        #expect(programs.count >= 12)
        #expect(programs.allSatisfy { !$0.titleES.isEmpty && !$0.titleEN.isEmpty && $0.titleES != $0.titleEN })
        #expect(Set(programs.flatMap(\.skills)) == Set(Skill.allCases))
        #expect(Set(programs.map(\.programID)).count == programs.count)
    }

    @Test func catalogLinesThatAreNotProgramsAreRefusedWithTheirLine() {
        let bytes = Array("\n{\"schema\":\"ref.restaurant.v1\"}\n".utf8)
        #expect(throws: TrainingCatalog.Problem.self) { try TrainingCatalog.programs(jsonLines: bytes) }
        do {
            _ = try TrainingCatalog.programs(jsonLines: bytes)
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func recommendsUpToThreeFittingProgramsSkippingRecentOnesAndRepeatsItself() throws {
        let programs = try Self.catalog()
        let alert = Self.alert(skill: .tableEtiquette)
        let recent = StaffState.CompletedTraining(
            programID: "prog-protocolo-mesa", completedAt: EventTime(rfc3339: "2026-06-15T16:00:00-05:00")!, assessmentScore: 80)
        let recommendations = Recommender().recommend(
            for: alert, role: .runner, completed: [recent], programs: programs, effectiveness: ProgramEffectiveness())
        #expect(!recommendations.isEmpty && recommendations.count <= Recommender.count)
        #expect(recommendations.map(\.rank) == Array(1...recommendations.count))
        for recommendation in recommendations {
            let program = try #require(programs.first { $0.programID == recommendation.programID })
            #expect(program.skills.contains(.tableEtiquette) && program.roles.contains(.runner))
            #expect(recommendation.programID != "prog-protocolo-mesa", "completed two weeks ago")
            #expect(recommendation.alertID == alert.alertID && recommendation.confidence == 0, "no evidence yet")
        }
        let again = Recommender().recommend(for: alert, role: .runner, completed: [recent], programs: programs, effectiveness: ProgramEffectiveness())
        #expect(again == recommendations, "the draws are seeded by the alert: a replay recommends the same")
    }

    @Test func theBestMeasuredProgramLeadsWhileAnUnmeasuredOneStillGetsItsTurn() throws {
        let programs = try Self.catalog()
        // Timeliness for a server: prog-ritmo-servicio, prog-horas-punta, prog-sombra-capitan fit.
        var effectiveness = ProgramEffectiveness()
        for _ in 0..<12 {
            effectiveness.record(programID: "prog-ritmo-servicio", skill: .timeliness, effect: 16)
            effectiveness.record(programID: "prog-horas-punta", skill: .timeliness, effect: 0)
        }
        var first: [String: Int] = [:]
        for index in 0..<200 {
            let ranked = Recommender().recommend(
                for: Self.alert(id: "gap-\(index)"), role: .server, completed: [], programs: programs, effectiveness: effectiveness)
            #expect(Set(ranked.map(\.programID)) == ["prog-ritmo-servicio", "prog-horas-punta", "prog-sombra-capitan"])
            let best = try #require(ranked.first { $0.programID == "prog-ritmo-servicio" })
            #expect(best.expectedImprovement > 14 && best.confidence > 0.7, "the posterior mean and its confidence, whatever the draw")
            first[ranked[0].programID, default: 0] += 1
        }
        // Drawn from the posteriors: the measured best (mean 14.8, spread 4.2) against the
        // unmeasured (prior: 0, spread 15) and the measured useless (0, spread 4.2).
        #expect(first["prog-ritmo-servicio", default: 0] > 140, "the best measured leads most of the time: \(first)")
        #expect(first["prog-sombra-capitan", default: 0] >= 10, "the never-measured program still comes first now and then: \(first)")
        #expect(first["prog-horas-punta", default: 0] < first["prog-sombra-capitan", default: 0], "the measured useless one least: \(first)")
        let estimate = effectiveness.estimate(of: try #require(programs.first { $0.programID == "prog-ritmo-servicio" }), skill: .timeliness)
        #expect(abs(estimate.mean - 16 * 12 / 13) < 1e-9, "posterior mean with the prior worth one observation at 0")
    }

    @Test func oneStrongMeasurementPutsItsProgramFirstAtOnce() throws {
        let programs = try Self.catalog()
        var effectiveness = ProgramEffectiveness()
        effectiveness.record(programID: "prog-ritmo-servicio", skill: .timeliness, effect: 60)
        let leads = (0..<100).filter { index in
            Recommender().recommend(for: Self.alert(id: "gap-\(index)"), role: .server, completed: [], programs: programs, effectiveness: effectiveness)
                .first?.programID == "prog-ritmo-servicio"
        }.count
        // Before any measurement each of the three leads about a third of the time.
        #expect(leads > 70, "one measurement of +60 (posterior 30 ± 10.6) against two unmeasured: \(leads) of 100")
    }

    @Test func oraclePolicyRanksByTheTrueEffects() throws {
        let programs = try Self.catalog()
        let truth: [String: [Skill: Double]] = [
            "prog-ritmo-servicio": [.timeliness: 0.1], "prog-horas-punta": [.timeliness: 0.3], "prog-sombra-capitan": [.timeliness: 0.2],
        ]
        let ranked = Recommender(policy: .oracle, trueEffects: truth).recommend(
            for: Self.alert(), role: .server, completed: [], programs: programs, effectiveness: ProgramEffectiveness())
        #expect(ranked.map(\.programID) == ["prog-horas-punta", "prog-sombra-capitan", "prog-ritmo-servicio"])
    }

    @Test func randomPolicyIgnoresTheMeasurements() throws {
        let programs = try Self.catalog()
        var effectiveness = ProgramEffectiveness()
        for program in ["prog-ritmo-servicio", "prog-horas-punta", "prog-sombra-capitan"] {
            for _ in 0..<3 { effectiveness.record(programID: program, skill: .timeliness, effect: program == "prog-ritmo-servicio" ? 20 : 0) }
        }
        var first = Set<String>()
        for index in 0..<30 {
            let ranked = Recommender(policy: .random).recommend(
                for: Self.alert(id: "gap-\(index)"), role: .server, completed: [], programs: programs, effectiveness: effectiveness)
            first.insert(ranked[0].programID)
        }
        #expect(first.count == 3, "every fitting program comes first now and then")
    }

    @Test func recommendationEncodesToTheContractsJSON() throws {
        let programs = try Self.catalog()
        let recommendation = Recommender().recommend(
            for: Self.alert(), role: .server, completed: [], programs: programs, effectiveness: ProgramEffectiveness())[0]
        let object = try #require(JSONSerialization.jsonObject(with: Data(recommendation.encoded())) as? [String: Any])
        #expect(object["schema"] as? String == "skills.training_recommendation.v1")
        #expect(object["alert_id"] as? String == "gap-1" && object["staff_id"] as? String == "lim-01-s001")
        #expect(object["rank"] as? Int == 1 && object["skill"] as? String == "timeliness")
        #expect((object["recommendation_id"] as? String)?.hasPrefix("rec-") == true)
        #expect(object["recommended_at"] as? String == "2026-07-01T20:00:00-05:00", "the alert's opening")
    }

    @Test func aLaterRoundHasIdsOfItsOwnAndLeavesOutWhatWasJustCompleted() throws {
        let programs = try Self.catalog()
        let alert = Self.alert()
        let opening = Recommender().recommend(for: alert, role: .server, completed: [], programs: programs, effectiveness: ProgramEffectiveness())
        let followUp = try #require(EventTime(rfc3339: "2026-07-30T21:00:00-05:00"))
        let completed = StaffState.CompletedTraining(programID: opening[0].programID, completedAt: EventTime(rfc3339: "2026-07-15T17:00:00-05:00")!, assessmentScore: nil)
        let later = Recommender().recommend(
            for: alert, at: followUp, role: .server, completed: [completed], programs: programs, effectiveness: ProgramEffectiveness())
        #expect(!later.isEmpty && later.allSatisfy { $0.recommendedAt == followUp && $0.alertID == alert.alertID })
        #expect(!later.contains { $0.programID == opening[0].programID }, "the program just completed is not recommended again")
        #expect(Set(later.map(\.recommendationID)).isDisjoint(with: opening.map(\.recommendationID)), "a new round is new to the topic's readers")
        #expect(opening.allSatisfy { $0.recommendedAt == alert.detectedAt })
        let again = Recommender().recommend(
            for: alert, at: followUp, role: .server, completed: [completed], programs: programs, effectiveness: ProgramEffectiveness())
        #expect(again == later, "a replay recommends the same round")
    }
}
