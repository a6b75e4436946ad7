import SkillStreamDomain
import Testing

@testable import SkillStreamSimulation

@Suite struct ResolutionScoreTests {
    @Test func measuresHowLongAlertsOutliveARecoveryAndCountsResolutionsWhileStillWeak() throws {
        var truth = RestaurantSimulator(configuration: RestaurantSimulatorTests.configuration(days: 90)).finished().groundTruth
        let start = try #require(EventTime(rfc3339: truth.start))
        func time(_ day: Double) -> EventTime { EventTime(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(day * 86_400_000), offsetMinutes: -300) }
        func weak(_ skill: Skill, _ from: Double, _ to: Double?) -> GroundTruth.WeakPeriod {
            GroundTruth.WeakPeriod(skill: skill.rawValue, from: time(from).description, to: to.map { time($0).description }, cause: "planted", lowestLevel: 0.3)
        }
        truth.staff = [
            GroundTruth.StaffMember(
                staffId: "a", restaurantId: "r", role: "server", hiredAt: time(-400).description, terminatedAt: nil,
                weakSkills: [
                    weak(.timeliness, 10, 40), weak(.tableEtiquette, 10, 30), weak(.menuAndWineKnowledge, 10, 20), weak(.guestRapport, 50, nil),
                ], trainings: []),
            GroundTruth.StaffMember(
                staffId: "b", restaurantId: "r", role: "server", hiredAt: time(-400).description, terminatedAt: time(60).description,
                weakSkills: [weak(.orderAccuracy, 20, 60)], trainings: []),
        ]
        func alert(_ id: String, _ staff: String, _ skill: Skill, _ status: GapAlert.Status, _ day: Double) -> GapAlert {
            GapAlert(
                alertID: id, status: status, staffID: staff, restaurantID: "r", skill: skill, severity: 1, skillScore: 20, benchmark: 90, features: [],
                textES: "", textEN: "", model: "test", detectedAt: time(day))
        }
        let alerts = [
            alert("1", "a", .timeliness, .open, 15), alert("1", "a", .timeliness, .open, 20), alert("1", "a", .timeliness, .resolved, 50),
            alert("2", "a", .tableEtiquette, .open, 12),  // recovered on day 30, still open at the end
            alert("3", "a", .menuAndWineKnowledge, .open, 12), alert("3", "a", .menuAndWineKnowledge, .resolved, 25),  // weak 10 days only
            alert("4", "a", .guestRapport, .open, 55), alert("4", "a", .guestRapport, .resolved, 58),  // resolved while still weak
            alert("5", "b", .orderAccuracy, .open, 25), alert("5", "b", .orderAccuracy, .resolved, 60),  // resolved by the departure
        ]
        let score = ResolutionScore(truth: truth, alerts: alerts.reversed())
        #expect(score.recoveredGaps == 2, "timeliness and etiquette: not the 10-day weakness, not the one a departure ended")
        #expect(score.daysToResolve == [10] && score.medianDaysToResolve == 10 && score.stillOpenAtEnd == 1)
        #expect(score.resolutions == 3 && score.resolvedWhileWeak == 1, "departures aside")
        #expect(ResolutionScore(truth: truth, alerts: []).recoveredGaps == 0)
    }
}
