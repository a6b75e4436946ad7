import SkillStreamDomain

/// One assessment of a staff member's skills, as the processor records it for their profile and
/// its history: each skill judged on the windows the gap detector judges it on
/// (``GapDetector/profiled(_:restaurantID:staffID:at:)``).
public struct StaffAssessment: Sendable {
    public var restaurantID: String
    public var staffID: String
    public var role: Role?
    public var at: EventTime
    public var skills: [SkillAssessment]
    /// The staff member's first assessment of that local day (the daily point of their history).
    public var isFirstOfDay: Bool
}

/// What one consumed message led to: its cleansing outcome, the alerts it caused, and the
/// training recommended for the gaps it opened.
public struct EngineStep: Sendable {
    public var outcome: ProcessingOutcome
    public var alerts: [GapAlert] = []
    public var recommendations: [TrainingRecommendation] = []
}

/// The engine the processor, `replay` and `evaluate-scenario` all run: a partition's state
/// (cleansing, windows, the visit join), the gap detector, the recommender and the measured
/// effectiveness of the programs. Pure and deterministic: the same messages in the same order
/// give the same outputs. Owned by one task.
public final class SkillEngine {
    public let state: PartitionState
    public internal(set) var effectiveness = ProgramEffectiveness()
    /// The outcome models, learning from every labelled visit.
    public let models: OutcomeModels
    /// How each role's rates compare with their peers', recomputed daily.
    public internal(set) var roleCalibration = RoleCalibration()
    /// Each staff member's last visit's features, for the models' view of them.
    var lastFeatures: [PartitionState.StaffKey: [Double]] = [:]
    var detector = GapDetector()
    /// How recommendations are ranked (``Recommender/Policy``).
    public var recommender = Recommender()
    let defaultPrograms: [String: TrainingProgramReference]
    /// Event time of each staff member's last assessment: at most one every
    /// ``assessmentIntervalMilliseconds`` per staff member.
    var lastAssessed: [PartitionState.StaffKey: Int64] = [:]
    public var assessmentIntervalMilliseconds: Int64 = 6 * 3_600_000
    /// Whether assessments are kept for ``takeAssessments()`` (the processor writes them to the
    /// staff profiles at each checkpoint; replay and evaluation do not need them).
    public var keepsAssessments = false
    private var assessments: [StaffAssessment] = []

    /// The assessments made since the last call, oldest first.
    public func takeAssessments() -> [StaffAssessment] {
        defer { assessments = [] }
        return assessments
    }

    /// `defaultPrograms` is the catalog before any `ref.training-programs` event; events with
    /// the same program id replace its entries, new ids extend it.
    public convenience init(configuration: DomainConfiguration = DomainConfiguration(), defaultPrograms: [TrainingProgramReference] = []) {
        self.init(state: PartitionState(configuration: configuration), models: OutcomeModels(), defaultPrograms: defaultPrograms)
    }

    init(state: PartitionState, models: OutcomeModels, defaultPrograms: [TrainingProgramReference]) {
        self.state = state
        self.models = models
        self.defaultPrograms = Dictionary(defaultPrograms.map { ($0.programID, $0) }, uniquingKeysWith: { $1 })
    }

    public var openGaps: Int { detector.openCount }

    /// The catalog now: the defaults, extended and replaced by the programs the topic defined,
    /// each with the measured effects it has (the default catalog's and the latest share's
    /// together; ``PartitionState/sharedEffects``).
    public var programs: [TrainingProgramReference] {
        Set(defaultPrograms.keys).union(state.programs.keys).union(state.sharedEffects.keys).sorted().map { id in
            let share = state.sharedEffects[id]
            var program = state.programs[id] ?? defaultPrograms[id] ?? share!
            let fromCatalog = defaultPrograms[id]?.measuredEffects ?? [:]
            program.measuredEffects = [:]
            for skill in program.skills {
                program.measuredEffects[skill] = MeasuredEffect.together(catalog: fromCatalog[skill], share: share?.measuredEffects[skill])
            }
            return program
        }
    }

    /// The input partition this engine owns (nil: replay's engine, of every partition): its own
    /// measurements are already in a share's part for it, which is not counted again.
    public var partition: Int32? {
        get { effectiveness.partition }
        set { effectiveness.partition = newValue }
    }

    /// Decodes, cleanses and applies one message, then reassesses the staff member it concerns,
    /// recommends training for the gaps it opens, and measures trainings whose follow-up is due
    /// (recommending again for the gaps they left open).
    public func process(_ bytes: [UInt8], key: String? = nil, receivedAt: EventTime? = nil) -> EngineStep {
        let outcome = state.process(bytes, key: key, receivedAt: receivedAt)
        var step = EngineStep(outcome: outcome)
        guard case .processed(let event, let notes) = outcome else { return step }
        let examples = state.takeLabelledExamples()
        for example in examples { models.learn(example) }
        // A table whose answer came first is labelled already: its example holds its features.
        if case .tableService(let visit) = event,
            let features = state.features(ofPendingVisit: visit.visitID) ?? examples.last(where: { $0.visitID == visit.visitID })?.features
        {
            lastFeatures[PartitionState.StaffKey(restaurantID: visit.header.restaurantID, staffID: visit.staffID)] = features
        }
        // Reference records reach a partition at moments that depend on fetch timing, not on
        // the input's order: only input events move the follow-ups on.
        switch event {
        case .restaurant, .trainingProgram: break
        default: step.recommendations = measureDueTrainings(today: event.header.occurredAt.localDay)
        }
        // A departure resolves the person's gaps, even one that arrives late: nobody is assessed
        // after leaving, so nothing else would.
        if case .staffEvent(let hr) = event, hr.type == .terminated,
            state.staff[PartitionState.StaffKey(restaurantID: hr.header.restaurantID, staffID: hr.staffID)]?.terminatedAt == hr.header.occurredAt
        {
            step.alerts = detector.resolveAll(staffID: hr.staffID, restaurantID: hr.header.restaurantID, at: hr.header.occurredAt)
            for alert in step.alerts { recommendedAlerts.remove(alert.alertID) }
            step.recommendations.removeAll { recommendation in step.alerts.contains { $0.alertID == recommendation.alertID } }
            return step
        }
        // A completion is measured even when it comes late (HR and training systems send in
        // batches), as long as the days before it are still in the windows (startMeasurement);
        // the same completion sent again starts nothing.
        if case .staffEvent(let hr) = event, hr.type == .trainingCompleted {
            if !notes.contains(.repeated) { startMeasurement(hr) }
            return step
        }
        guard !notes.contains(.late) else { return step }
        let staffID: String
        switch event {
        case .tableService(let visit): staffID = visit.staffID
        case .guestFeedback(let feedback): staffID = feedback.staffID
        default: return step
        }
        let restaurantID = event.header.restaurantID
        step.alerts = assess(restaurantID: restaurantID, staffID: staffID, at: event.header.occurredAt)
        for alert in step.alerts {
            if alert.status == .resolved {
                recommendedAlerts.remove(alert.alertID)
            } else if isFirstOpening(alert) {
                step.recommendations += recommend(for: alert)
            }
        }
        return step
    }

    // MARK: - Gaps

    /// Open alerts already given their recommendations (severity updates get none); an alert
    /// leaves the set when it resolves, so the set stays as small as the open gaps.
    var recommendedAlerts = Set<String>()

    private func isFirstOpening(_ alert: GapAlert) -> Bool { recommendedAlerts.insert(alert.alertID).inserted }

    private func assess(restaurantID: String, staffID: String, at time: EventTime) -> [GapAlert] {
        let key = PartitionState.StaffKey(restaurantID: restaurantID, staffID: staffID)
        let previous = lastAssessed[key]
        if let previous, time.millisecondsSinceEpoch - previous < assessmentIntervalMilliseconds { return [] }
        // Someone who has left is assessed no more: answers about their last tables keep arriving
        // for days, but their gaps were resolved on departure and nobody can train them now.
        guard let member = state.staff[key], member.terminatedAt == nil, let restaurant = state.restaurants[restaurantID] else { return [] }
        let settlingEnds = member.settlingInEnds(days: GapTests.settlingInDays)
        lastAssessed[key] = time.millisecondsSinceEpoch
        if time.localDay > roleCalibration.day { recalibrateRoles(at: time) }  // once a day, moving forward only
        let colleagues = colleagues(of: key)
        let day = time.localDay
        var assessments = GapTests.assess(
            summaries: { days in (member.summary(endingOn: day, days: days), restaurant.summary(endingOn: day, days: days)) },
            colleagueSummaries: { days in colleagues.map { $0.summary(endingOn: day, days: days) } }, day: day,
            benchmark: benchmark(restaurant), roleFactors: roleCalibration.factors(for: member.role),
            settling: { GapTests.settlingShare(of: $0, endingOn: day, settlingEnds: settlingEnds) })
        if let features = lastFeatures[key] {
            assessments = assessments.map { withModelView($0, features: features, restaurantID: restaurantID) }
        }
        let alerts = detector.update(staffID: staffID, restaurantID: restaurantID, assessments: assessments, at: time)
        if keepsAssessments {
            let firstOfDay = previous.map { EventTime(millisecondsSinceEpoch: $0, offsetMinutes: time.offsetMinutes).localDay != time.localDay } ?? true
            // The profile speaks of the windows the detector judges on (a gap resolved or
            // reopened in the last 30 days is judged on recent tables).
            let shown = assessments.map { detector.profiled($0, restaurantID: restaurantID, staffID: staffID, at: time) }
            self.assessments.append(
                StaffAssessment(restaurantID: restaurantID, staffID: staffID, role: member.role, at: time, skills: shown, isFirstOfDay: firstOfDay))
        }
        return alerts
    }

    private func benchmark(_ restaurant: RestaurantState) -> Double { restaurant.reference?.serviceQualityBenchmark ?? 85 }

    private func recalibrateRoles(at time: EventTime) {
        let day = time.localDay
        let restaurants = state.restaurants.keys.sorted().compactMap { id -> (staff: [(role: Role?, windows: ServiceWindows, staffID: String)], restaurantID: String)? in
            guard let restaurant = state.restaurants[id] else { return nil }
            let staff = restaurant.activeStaff.sorted().compactMap { staffID -> (role: Role?, windows: ServiceWindows, staffID: String)? in
                state.staff[PartitionState.StaffKey(restaurantID: id, staffID: staffID)].map { ($0.role, $0.windows, staffID) }
            }
            return (staff, id)
        }
        let detector = self.detector
        roleCalibration.recompute(day: day, restaurants: restaurants) { detector.holdsGap(restaurantID: $0, staffID: $1, skill: $2, at: time) }
    }

    /// The restaurant's other active staff, in no particular order: what is read from them are
    /// integer counts, summed (``GapTests/Peers``), so the order cannot change a result. Their
    /// windows are read in place, never copied.
    private func colleagues(of key: PartitionState.StaffKey) -> [StaffState] {
        guard let restaurant = state.restaurants[key.restaurantID] else { return [] }
        return restaurant.activeStaff.compactMap { staffID in
            staffID == key.staffID ? nil : state.staff[PartitionState.StaffKey(restaurantID: key.restaurantID, staffID: staffID)]
        }
    }

    /// The driving model's risk of the skill's complaint for the staff member's last visit,
    /// against its average for the restaurant's visits, added to the evidence and weighed
    /// (``GapDetector/weighed(_:modelSeesRisk:)``).
    private func withModelView(_ assessment: SkillAssessment, features: [Double], restaurantID: String) -> SkillAssessment {
        let category = ComplaintCategory.staffAttributable[Skill.allCases.firstIndex(of: assessment.skill)!]
        guard let risk = models.risk(.complaint(category), features: features, restaurantID: restaurantID) else { return assessment }
        var viewed = assessment
        viewed.modelView = SkillAssessment.ModelView(category: category, staff: risk.staff, peers: risk.peers, model: risk.model)
        viewed.model = GapDetector.model + "+" + risk.model
        viewed.gapProbability = detector.weighed(viewed.gapProbability, modelSeesRisk: risk.staff > risk.peers)
        viewed.windowProbabilities = viewed.windowProbabilities.map { detector.weighed($0, modelSeesRisk: risk.staff > risk.peers) }
        return viewed
    }

    // MARK: - Recommendations

    private func recommend(for alert: GapAlert, at time: EventTime? = nil) -> [TrainingRecommendation] {
        let member = state.staff[PartitionState.StaffKey(restaurantID: alert.restaurantID, staffID: alert.staffID)]
        return recommender.recommend(
            for: alert, at: time, role: member?.role, completed: member?.completedTrainings ?? [], programs: programs, effectiveness: effectiveness)
    }

    // MARK: - Measuring what training did

    /// A completion on a skill the staff member has an open gap on starts a measurement, with
    /// the untrained staff of the same restaurant who have the same gap as controls. One that
    /// came so late that the days before it have left the windows is not measured.
    private func startMeasurement(_ event: StaffEvent) {
        guard let programID = event.programID, let program = programs.first(where: { $0.programID == programID }),
            let restaurant = state.restaurants[event.header.restaurantID]
        else { return }
        let day = event.header.occurredAt.localDay
        let days = ProgramEffectiveness.followUpDays
        let trained = PartitionState.StaffKey(restaurantID: event.header.restaurantID, staffID: event.staffID)
        if let newest = state.staff[trained]?.windows.newestDay, day - days < newest - ServiceWindows.longDays { return }
        for skill in program.skills {
            guard let alertID = detector.openAlertID(restaurantID: event.header.restaurantID, staffID: event.staffID, skill: skill),
                let member = state.staff[trained],
                let before = ProgramEffectiveness.score(
                    of: skill, staff: member, colleagues: colleagues(of: trained), day: day, days: days, benchmark: benchmark(restaurant))
            else { continue }
            let controls = detector.staffWithOpenGap(restaurantID: event.header.restaurantID, skill: skill).compactMap { staffID -> (PartitionState.StaffKey, Double)? in
                let key = PartitionState.StaffKey(restaurantID: event.header.restaurantID, staffID: staffID)
                guard staffID != event.staffID, let other = state.staff[key], Self.isUntrained(other, from: day - days + 1, through: day),
                    let score = ProgramEffectiveness.score(
                        of: skill, staff: other, colleagues: colleagues(of: key), day: day, days: days, benchmark: benchmark(restaurant))
                else { return nil }
                return (key, score)
            }
            effectiveness.pending.append(
                .init(programID: programID, skill: skill, trained: trained, completedDay: day, before: before, controls: controls, alertID: alertID))
        }
    }

    /// Whether a staff member can stand as a control for the local days `from…through`: still
    /// employed, and no training completed in them.
    private static func isUntrained(_ member: StaffState, from: Int32, through: Int32) -> Bool {
        member.terminatedAt.map { $0.localDay > through } ?? true
            && !member.completedTrainings.contains { (from...through).contains($0.completedAt.localDay) }
    }

    /// Follow-ups whose time has come: the trained staff member's change less the controls'.
    /// When the gap still shows on the recent windows then (the training did not close it), the
    /// alert gets a new round of recommendations, ranked with what has been measured since (the
    /// program just completed is left out, as every recent completion is). A round is dated at
    /// the start of the local day of its measurement, whichever event brought it, so its time,
    /// draws and ids are the same however the partition's events are spread.
    ///
    /// The after-score is that of the ``ProgramEffectiveness/followUpDays`` ending on the day
    /// the follow-up came due. Someone who served too few tables in them (leave, few shifts) is
    /// neither measured nor given a new round on the verdict from before the training: the
    /// follow-up waits, and is looked at again once on each later day, on the days ending then
    /// (all after the training), until they have served enough; it is given up after
    /// ``ProgramEffectiveness/longestWaitDays`` days past its due day.
    private func measureDueTrainings(today: Int32) -> [TrainingRecommendation] {
        let days = ProgramEffectiveness.followUpDays
        func isDue(_ measurement: ProgramEffectiveness.Measurement) -> Bool {
            today >= measurement.completedDay + days && measurement.lastLookedAt.map { today > $0 } ?? true
        }
        guard effectiveness.pending.contains(where: isDue) else { return [] }
        var waiting: [ProgramEffectiveness.Measurement] = []
        var followUps: [(alert: GapAlert, day: Int32)] = []
        for measurement in effectiveness.pending {
            let due = measurement.completedDay + days
            guard isDue(measurement) else {
                waiting.append(measurement)
                continue
            }
            // A follow-up waiting for tables is given up past the longest wait, however long the
            // partition was quiet.
            if measurement.lastLookedAt != nil, today - due > ProgramEffectiveness.longestWaitDays { continue }
            guard let restaurant = state.restaurants[measurement.trained.restaurantID] else { continue }
            // First looked at: the days ending on the due day; waiting: those ending today.
            let day = measurement.lastLookedAt == nil ? due : today
            func score(_ key: PartitionState.StaffKey) -> Double? {
                state.staff[key].flatMap {
                    ProgramEffectiveness.score(
                        of: measurement.skill, staff: $0, colleagues: colleagues(of: key), day: day, days: days, benchmark: benchmark(restaurant))
                }
            }
            guard let after = score(measurement.trained) else {
                if today - due < ProgramEffectiveness.longestWaitDays {
                    var looked = measurement
                    looked.lastLookedAt = today
                    waiting.append(looked)
                }
                continue
            }
            // A control trained, or gone, since is no longer a like-for-like comparison.
            let controlChanges = measurement.controls.compactMap { control -> Double? in
                guard let other = state.staff[control.0], Self.isUntrained(other, from: measurement.completedDay + 1, through: day) else { return nil }
                return score(control.0).map { $0 - control.1 }
            }
            let background = controlChanges.isEmpty ? 0 : controlChanges.reduce(0, +) / Double(controlChanges.count)
            effectiveness.record(programID: measurement.programID, skill: measurement.skill, effect: after - measurement.before - background)
            // A new round for the gap the training was for, while it still shows (not for a gap
            // that closed since and opened again: that one had its own opening round); one round
            // per alert, on the latest day, however many of its follow-ups came in this step.
            if let alert = detector.stillShowing(restaurantID: measurement.trained.restaurantID, staffID: measurement.trained.staffID, skill: measurement.skill),
                measurement.alertID.map({ $0 == alert.alertID }) ?? true
            {
                if let earlier = followUps.firstIndex(where: { $0.alert.alertID == alert.alertID }) {
                    followUps[earlier].day = max(followUps[earlier].day, day)
                } else {
                    followUps.append((alert, day))
                }
            }
        }
        effectiveness.pending = waiting
        // After every measurement due is in, so that each round ranks with all of them.
        return followUps.flatMap { followUp in
            recommend(for: followUp.alert, at: EventTime(startOfLocalDay: followUp.day, offsetMinutes: followUp.alert.detectedAt.offsetMinutes))
        }
    }
}
