import SkillStreamDomain
import SkillStreamSimulation
import Testing

@testable import SkillStreamScoring

/// What happens after a recommended training: its effect is measured at the follow-up, and a
/// gap it left open gets a new round of recommendations.
struct TrainingFollowUpTests {
    /// A closed loop (every first choice followed) over a small world with many weak staff:
    /// some trainings leave their gap open, and each of those gaps is recommended for again,
    /// once, dated at the start of the day its follow-up came due, never the program just
    /// completed, while the alert is still open.
    @Test func aTrainingThatLeavesTheGapOpenBringsANewRoundAtItsFollowUp() throws {
        let simulator = simulatedWorld(seed: 5, restaurants: 3, staffPerRestaurant: 14, days: 75) { $0.weakStaffShare = 0.5 }
        let engine = SkillEngine(defaultPrograms: try RecommendationTests.catalog())
        var open: [String: GapAlert] = [:]
        var completions: [String: [(programID: String, day: Int32)]] = [:]
        var ids = Set<String>()
        var laterRounds = Set<String>()
        var openingRounds = 0
        while let day = simulator.nextDay() {
            for record in day {
                let step = engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
                if case .processed(.staffEvent(let hr), _) = step.outcome, hr.type == .trainingCompleted, let program = hr.programID {
                    completions[hr.staffID, default: []].append((program, hr.header.occurredAt.localDay))
                }
                for alert in step.alerts {
                    if alert.status == .resolved {
                        open[alert.alertID] = nil
                    } else if open[alert.alertID] == nil {
                        open[alert.alertID] = alert
                    }
                }
                for recommendation in step.recommendations {
                    #expect(ids.insert(recommendation.recommendationID).inserted, "every recommendation has an id of its own")
                    let alert = try #require(open[recommendation.alertID], "recommendations only for alerts open after the step")
                    if recommendation.recommendedAt == alert.detectedAt {
                        if recommendation.rank == 1 { openingRounds += 1 }
                    } else {
                        if recommendation.rank == 1 {
                            #expect(laterRounds.insert(recommendation.alertID + "@" + recommendation.recommendedAt.description).inserted)
                        }
                        let due = recommendation.recommendedAt.localDay
                        #expect(
                            recommendation.recommendedAt.millisecondsSinceEpoch + Int64(recommendation.recommendedAt.offsetMinutes) * 60_000
                                == Int64(due) * 86_400_000, "dated at the start of the day the follow-up came due")
                        // The follow-up of a completion, exactly followUpDays before, of a program for this skill.
                        let trained = completions[recommendation.staffID, default: []].filter { completion in
                            engine.programs.first { $0.programID == completion.programID }?.skills.contains(recommendation.skill) == true
                                && due - completion.day == ProgramEffectiveness.followUpDays
                        }
                        #expect(!trained.isEmpty, "a later round is the follow-up of a completed training: \(recommendation)")
                        #expect(
                            !trained.contains { $0.programID == recommendation.programID }, "the program just completed is not recommended again")
                    }
                    if recommendation.rank == 1 {
                        _ = simulator.receiveRecommendation(staffID: recommendation.staffID, programID: recommendation.programID, followShare: 1)
                    }
                }
            }
        }
        #expect(openingRounds > 10)
        #expect(!laterRounds.isEmpty, "some trainings left their gap open")
    }
}
