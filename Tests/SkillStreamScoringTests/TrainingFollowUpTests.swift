import SkillStreamDomain
import SkillStreamSimulation
import Testing

@testable import SkillStreamScoring

/// What happens after a recommended training: its effect is measured at the follow-up, and a
/// gap it left open gets a new round of recommendations.
struct TrainingFollowUpTests {
    /// A closed loop (every first choice followed) over a small world with many weak staff:
    /// some trainings leave their gap open, and each of those gaps is recommended for again,
    /// once, dated at the start of the day its follow-up was measured (the day it came due, or
    /// a later one when it waited for tables), never the program just completed, while the
    /// alert is still open.
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
                                == Int64(due) * 86_400_000, "dated at the start of the day the follow-up was measured")
                        // The follow-up of a completion of a program for this skill, followUpDays
                        // before (or up to longestWaitDays more, when it waited for tables).
                        let trained = completions[recommendation.staffID, default: []].filter { completion in
                            engine.programs.first { $0.programID == completion.programID }?.skills.contains(recommendation.skill) == true
                                && (ProgramEffectiveness.followUpDays...(ProgramEffectiveness.followUpDays + ProgramEffectiveness.longestWaitDays))
                                    .contains(due - completion.day)
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

    /// Someone away for the 14 days after their training (no tables) is neither measured nor
    /// given a new round on the verdict from before it: the follow-up waits (looked at again each
    /// day) until they are back and have served enough tables, then it is measured, and a round
    /// comes that day if the gap still shows then, without the program just completed. Away for
    /// longer, it is given up unmeasured at its last look, ``ProgramEffectiveness/longestWaitDays``
    /// days past the due day.
    @Test(arguments: [5, 30] as [Int32]) func aFollowUpWaitsForTheTablesOfSomeoneAwayAfterTheirTraining(awayDaysPastDue: Int32) throws {
        // Long enough for a follow-up to be given up: due about 30 days in, then 29 more.
        let simulator = simulatedWorld(seed: 3, restaurants: 3, staffPerRestaurant: 14, days: 90) { $0.weakStaffShare = 0.4 }
        var records: [SimulatedRecord] = []
        while let day = simulator.nextDay() { records += day }
        let catalog = try RecommendationTests.catalog()
        func process(_ engine: SkillEngine, _ record: SimulatedRecord) -> EngineStep {
            engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
        }
        // The first gap of the run, where it opened, and a program for its skill that fits the role.
        let reference = SkillEngine(defaultPrograms: catalog)
        var opening: (index: Int, alert: GapAlert)?
        for (index, record) in records.enumerated() where opening == nil {
            if let alert = process(reference, record).alerts.first(where: { $0.status == .open }) { opening = (index, alert) }
        }
        let (index, alert) = try #require(opening)
        let role = reference.state.staff[PartitionState.StaffKey(restaurantID: alert.restaurantID, staffID: alert.staffID)]?.role
        let program = try #require(catalog.first { $0.skills.contains(alert.skill) && (role.map($0.roles.contains) ?? true) })
        // They complete it a minute after the alert, then are away until `awayDaysPastDue` past
        // the follow-up (none of their events); everyone else's go on.
        let completedAt = EventTime(millisecondsSinceEpoch: alert.detectedAt.millisecondsSinceEpoch + 60_000, offsetMinutes: alert.detectedAt.offsetMinutes)
        let completion = EventEncoder.encode(
            .staffEvent(
                StaffEvent(
                    header: EventHeader(eventID: "done-away", occurredAt: completedAt, restaurantID: alert.restaurantID), staffID: alert.staffID,
                    type: .trainingCompleted, programID: program.programID)))
        let due = completedAt.localDay + ProgramEffectiveness.followUpDays
        let back = due + awayDaysPastDue
        let rest = records[(index + 1)...].filter { record in
            guard let event = try? EventDecoder().decode(record.value).get(), event.header.occurredAt.localDay <= back else { return true }
            switch event {
            case .tableService(let visit): return visit.staffID != alert.staffID
            case .guestFeedback(let feedback): return feedback.staffID != alert.staffID
            case .staffEvent(let hr): return hr.staffID != alert.staffID
            default: return true
            }
        }
        let engine = SkillEngine(defaultPrograms: catalog)
        for record in records[...index] { _ = process(engine, record) }
        let trained = PartitionState.StaffKey(restaurantID: alert.restaurantID, staffID: alert.staffID)
        func followUp() -> ProgramEffectiveness.Measurement? {
            engine.effectiveness.pending.first { $0.trained == trained && $0.programID == program.programID && $0.skill == alert.skill }
        }
        func observations() -> Int { engine.effectiveness.estimates[program.programID]?[alert.skill]?.observations ?? 0 }
        #expect(followUp() == nil)
        _ = engine.process(completion, key: alert.restaurantID, receivedAt: completedAt)
        let started = try #require(followUp(), "the completion on an open gap starts a follow-up")
        let before = observations()
        var endedOn: Int32?
        var rounds: [TrainingRecommendation] = []
        // A checkpoint taken while the follow-up waits restores to an engine that goes on alike.
        var twin: SkillEngine?
        var showingWhenMeasured: Bool?
        for record in rest {
            // What the follow-up sees: the detector before this step's assessment.
            let showing = engine.detector.stillShowing(restaurantID: alert.restaurantID, staffID: alert.staffID, skill: alert.skill) != nil
            let step = process(engine, record)
            if let twin {
                let twinStep = process(twin, record)
                #expect(twinStep.alerts == step.alerts && twinStep.recommendations == step.recommendations, "the restored engine goes on alike")
            }
            rounds += step.recommendations.filter { $0.alertID == alert.alertID && $0.recommendedAt != alert.detectedAt }
            guard endedOn == nil, let event = try? EventDecoder().decode(record.value).get() else { continue }
            let today = event.header.occurredAt.localDay
            if let waiting = followUp() {
                if today > due && today <= back { #expect(waiting.lastLookedAt != nil, "waiting while they are away (day \(today - due) past due)") }
                if twin == nil, waiting.lastLookedAt != nil {
                    let bytes = engine.snapshot()
                    let restored = try SkillEngine(snapshot: bytes, defaultPrograms: catalog)
                    #expect(restored.snapshot() == bytes)
                    twin = restored
                }
            } else {
                endedOn = today
                showingWhenMeasured = showing
            }
        }
        let day = try #require(endedOn, "the follow-up ended within the run")
        #expect(twin != nil, "a checkpoint was taken while it waited")
        #expect(started.completedDay == completedAt.localDay)
        guard awayDaysPastDue <= ProgramEffectiveness.longestWaitDays else {
            #expect(day - due == ProgramEffectiveness.longestWaitDays && observations() == before, "given up, unmeasured, at its last look \(ProgramEffectiveness.longestWaitDays) days past due: \(day - due)")
            #expect(rounds.isEmpty)
            return
        }
        #expect(observations() == before + 1, "the follow-up was measured, not given up")
        #expect(day > back && day - due <= ProgramEffectiveness.longestWaitDays, "measured after they were back, on day \(day - due) past the due day")
        #expect(rounds.allSatisfy { $0.recommendedAt.localDay >= day }, "no round before the measurement: \(rounds.map(\.recommendedAt))")
        // A round exactly when the gap still showed at the measurement: that day, without the program.
        #expect(rounds.contains { $0.recommendedAt.localDay == day } == (showingWhenMeasured == true), "showing: \(String(describing: showingWhenMeasured))")
        #expect(rounds.allSatisfy { $0.recommendedAt.localDay != day || $0.programID != program.programID })
    }
}
