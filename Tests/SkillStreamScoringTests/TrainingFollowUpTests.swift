import SkillStreamDomain
import SkillStreamSimulation
import Testing

@testable import SkillStreamScoring

/// What happens after a recommended training: its effect is measured at the follow-up, and a
/// gap it left open gets a new round of recommendations.
struct TrainingFollowUpTests {
    /// The bytes of an HR record saying `staffID` completed `programID` at `time`.
    static func completion(_ id: String, at time: EventTime, restaurantID: String, staffID: String, programID: String) -> [UInt8] {
        EventEncoder.encode(
            .staffEvent(
                StaffEvent(
                    header: EventHeader(eventID: id, occurredAt: time, restaurantID: restaurantID), staffID: staffID, type: .trainingCompleted,
                    programID: programID)))
    }

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
        let completion = Self.completion("done-away", at: completedAt, restaurantID: alert.restaurantID, staffID: alert.staffID, programID: program.programID)
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

    /// Training and HR systems send in batches: a completion that arrives a day after it
    /// happened (past the allowed lateness) still starts its follow-up, from the day it happened,
    /// and the same completion sent again under another id starts no second one: the training is
    /// measured once.
    @Test func aCompletionThatArrivesADayLateIsMeasuredOnceEvenWhenSentAgain() throws {
        let simulator = simulatedWorld(seed: 3, restaurants: 3, staffPerRestaurant: 14, days: 60) { $0.weakStaffShare = 0.4 }
        var records: [SimulatedRecord] = []
        while let day = simulator.nextDay() { records += day }
        let catalog = try RecommendationTests.catalog()
        let engine = SkillEngine(defaultPrograms: catalog)
        func process(_ record: SimulatedRecord) -> EngineStep {
            engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
        }
        var opening: (index: Int, alert: GapAlert)?
        for (index, record) in records.enumerated() where opening == nil {
            if let alert = process(record).alerts.first(where: { $0.status == .open }) { opening = (index, alert) }
        }
        let (index, alert) = try #require(opening)
        let trained = PartitionState.StaffKey(restaurantID: alert.restaurantID, staffID: alert.staffID)
        let program = try #require(catalog.first { $0.skills.contains(alert.skill) && (engine.state.staff[trained]?.role).map($0.roles.contains) ?? true })
        let completedAt = EventTime(millisecondsSinceEpoch: alert.detectedAt.millisecondsSinceEpoch + 60_000, offsetMinutes: alert.detectedAt.offsetMinutes)
        // A day and more of everyone's events goes by before the record arrives.
        var next = index + 1
        while next < records.count, records[next].sentAt < completedAt.millisecondsSinceEpoch + 30 * 3_600_000 {
            _ = process(records[next])
            next += 1
        }
        func completion(_ id: String) -> [UInt8] {
            Self.completion(id, at: completedAt, restaurantID: alert.restaurantID, staffID: alert.staffID, programID: program.programID)
        }
        func followUps() -> [ProgramEffectiveness.Measurement] {
            engine.effectiveness.pending.filter { $0.trained == trained && $0.programID == program.programID && $0.skill == alert.skill }
        }
        func observations() -> Int { engine.effectiveness.estimates[program.programID]?[alert.skill]?.observations ?? 0 }
        let arrival = EventTime(millisecondsSinceEpoch: records[next - 1].sentAt)
        let late = engine.process(completion("done-late"), key: alert.restaurantID, receivedAt: arrival)
        guard case .processed(_, let lateNotes) = late.outcome else { Issue.record("processed: \(late.outcome)"); return }
        #expect(lateNotes.contains(.late), "past the allowed lateness")
        #expect(followUps().map(\.completedDay) == [completedAt.localDay], "a follow-up from the day it happened")
        let again = engine.process(completion("done-late-again"), key: alert.restaurantID, receivedAt: arrival)
        guard case .processed(_, let againNotes) = again.outcome else { Issue.record("processed: \(again.outcome)"); return }
        #expect(againNotes.contains(.repeated) && followUps().count == 1, "sent again: no second follow-up")
        let before = observations()
        for record in records[next...] { _ = process(record) }
        #expect(followUps().isEmpty && observations() == before + 1, "measured once")
    }

    /// A control is someone untrained with the same gap over the same days: one who completes a
    /// training during the follow-up no longer is, and weighs nothing in the measured effect —
    /// the same effect as if they had never been a control.
    @Test func aControlTrainedDuringTheFollowUpIsLeftOutOfTheMeasurement() throws {
        let simulator = simulatedWorld(seed: 4, restaurants: 2, staffPerRestaurant: 16, days: 60) { $0.weakStaffShare = 0.6 }
        var records: [SimulatedRecord] = []
        while let day = simulator.nextDay() { records += day }
        let catalog = try RecommendationTests.catalog()
        let engine = SkillEngine(defaultPrograms: catalog)
        func process(_ engine: SkillEngine, _ record: SimulatedRecord) -> EngineStep {
            engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
        }
        // The first time two people of a restaurant have a gap on the same skill.
        var pair: (index: Int, alert: GapAlert, control: String)?
        for (index, record) in records.enumerated() where pair == nil {
            for alert in process(engine, record).alerts where alert.status == .open && pair == nil {
                let others = engine.detector.staffWithOpenGap(restaurantID: alert.restaurantID, skill: alert.skill).filter { $0 != alert.staffID }
                if let control = others.first { pair = (index, alert, control) }
            }
        }
        let (index, alert, control) = try #require(pair)
        let trained = PartitionState.StaffKey(restaurantID: alert.restaurantID, staffID: alert.staffID)
        let controlKey = PartitionState.StaffKey(restaurantID: alert.restaurantID, staffID: control)
        let program = try #require(catalog.first { $0.skills.contains(alert.skill) && (engine.state.staff[trained]?.role).map($0.roles.contains) ?? true })
        let completedAt = EventTime(millisecondsSinceEpoch: alert.detectedAt.millisecondsSinceEpoch + 60_000, offsetMinutes: alert.detectedAt.offsetMinutes)
        _ = engine.process(
            Self.completion("done", at: completedAt, restaurantID: alert.restaurantID, staffID: alert.staffID, programID: program.programID),
            key: alert.restaurantID, receivedAt: completedAt)
        let started = try #require(engine.effectiveness.pending.first { $0.trained == trained && $0.programID == program.programID })
        #expect(started.controls.contains { $0.0 == controlKey }, "the colleague with the same gap is a control")
        // The same engine with the colleague never taken as a control.
        let without = try SkillEngine(snapshot: engine.snapshot(), defaultPrograms: catalog)
        for position in without.effectiveness.pending.indices where without.effectiveness.pending[position].trained == trained {
            without.effectiveness.pending[position].controls.removeAll { $0.0 == controlKey }
        }
        // Three days in, the colleague completes a training of their own.
        var trainedControl = false
        func observations(_ engine: SkillEngine) -> (Int, Double) {
            let estimate = engine.effectiveness.estimates[program.programID]?[alert.skill]
            return (estimate?.observations ?? 0, estimate?.sum ?? 0)
        }
        let before = observations(engine).0
        for record in records[(index + 1)...] {
            if !trainedControl, record.sentAt > completedAt.millisecondsSinceEpoch + 3 * 86_400_000 {
                trainedControl = true
                let at = EventTime(millisecondsSinceEpoch: record.sentAt - 1, offsetMinutes: completedAt.offsetMinutes)
                let controlsTraining = Self.completion("control-done", at: at, restaurantID: alert.restaurantID, staffID: control, programID: program.programID)
                _ = engine.process(controlsTraining, key: alert.restaurantID, receivedAt: at)
                _ = without.process(controlsTraining, key: alert.restaurantID, receivedAt: at)
            }
            _ = process(engine, record)
            _ = process(without, record)
        }
        #expect(trainedControl)
        #expect(observations(engine).0 > before, "the training was measured")
        #expect(observations(engine) == observations(without), "as if the colleague had never been a control")
    }

    /// A follow-up's new round goes to the gap its training was for, never to another alert on
    /// the same skill (one that opened after the first closed had its own opening round): the same
    /// closed-loop run replayed with every follow-up pointed at some other alert gets its
    /// trainings measured alike and no later round at all. The follow-up's alert survives a
    /// checkpoint.
    @Test func aNewRoundGoesOnlyToTheGapTheTrainingWasFor() throws {
        let simulator = simulatedWorld(seed: 5, restaurants: 3, staffPerRestaurant: 14, days: 75) { $0.weakStaffShare = 0.5 }
        let catalog = try RecommendationTests.catalog()
        let engine = SkillEngine(defaultPrograms: catalog)
        var records: [SimulatedRecord] = []
        var laterRounds = 0
        var checkpointed = false
        while let day = simulator.nextDay() {
            for record in day {
                records.append(record)
                let step = engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
                for recommendation in step.recommendations where recommendation.rank == 1 {
                    if step.alerts.allSatisfy({ $0.alertID != recommendation.alertID }) { laterRounds += 1 }
                    _ = simulator.receiveRecommendation(staffID: recommendation.staffID, programID: recommendation.programID, followShare: 1)
                }
                if !checkpointed, let waiting = engine.effectiveness.pending.first(where: { $0.alertID != nil }) {
                    checkpointed = true
                    let restored = try SkillEngine(snapshot: engine.snapshot(), defaultPrograms: catalog)
                    #expect(restored.effectiveness.pending.first { $0.trained == waiting.trained && $0.programID == waiting.programID }?.alertID == waiting.alertID)
                }
            }
        }
        #expect(laterRounds > 0 && checkpointed, "some trainings left their gap open")
        let elsewhere = SkillEngine(defaultPrograms: catalog)
        for record in records {
            let step = elsewhere.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
            for index in elsewhere.effectiveness.pending.indices { elsewhere.effectiveness.pending[index].alertID = "gap-elsewhere" }
            #expect(step.recommendations.allSatisfy { recommendation in step.alerts.contains { $0.alertID == recommendation.alertID } }, "only opening rounds")
        }
        #expect(elsewhere.effectiveness.estimates == engine.effectiveness.estimates, "the same trainings measured alike")
    }
}
