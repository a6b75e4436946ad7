import SkillStreamDomain
import Testing

@testable import SkillStreamSimulation

@Suite struct ProfileScoreTests {
    @Test func countsTheCellsShownFarBelowAgainstTheSkillsTrulyWeakAtTheEndOfEmployedStaff() throws {
        let truth = RestaurantSimulator(configuration: RestaurantSimulatorTests.configuration(days: 90)).finished().groundTruth
        let employed = truth.staff.filter { $0.terminatedAt == nil }
        try #require(employed.count < truth.staff.count, "someone left: their profile is not shown")
        let weak = Set(employed.flatMap { member in member.weakSkills.filter { $0.to == nil }.map { member.staffId + "|" + $0.skill } })
        try #require(!weak.isEmpty)
        let recovered = employed.flatMap { member in member.weakSkills.filter { $0.to != nil }.map { member.staffId + "|" + $0.skill } }
        try #require(recovered.contains { !weak.contains($0) }, "someone weak earlier and recovered by the end: not weak")
        func standings(_ standing: (String, Skill) -> SkillStanding) -> [String: [Skill: SkillStanding]] {
            Dictionary(uniqueKeysWithValues: truth.staff.map { member in
                (member.staffId, Dictionary(uniqueKeysWithValues: Skill.allCases.map { ($0, standing(member.staffId, $0)) }))
            })
        }

        let allRed = ProfileScore(truth: truth, standings: standings { _, _ in .far })
        #expect(allRed.shownFar == employed.count * Skill.allCases.count)
        #expect(allRed.trulyWeak == weak.count && allRed.shownFarTrulyWeak == weak.count)

        let exact = ProfileScore(truth: truth, standings: standings { weak.contains($0 + "|" + $1.rawValue) ? .far : .below })
        #expect(exact.shownFar == weak.count && exact.shownFarTrulyWeak == weak.count)

        let noneRed = ProfileScore(truth: truth, standings: standings { _, _ in .near })
        #expect(noneRed.shownFar == 0 && noneRed.shownFarTrulyWeak == 0 && noneRed.trulyWeak == weak.count)
        #expect(ProfileScore(truth: truth, standings: [:]).trulyWeak == 0, "only assessed cells count")
    }
}
