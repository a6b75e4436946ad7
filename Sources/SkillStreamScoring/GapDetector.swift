import SkillStreamDomain

/// Turns assessments into alerts with a lifecycle: a gap opens once (when its probability
/// reaches ``openProbability``), is updated when its severity moves by ``severityStep``, and
/// resolves only after its probability on the recent windows (at most ``recoveryWindowDays``
/// days) has stayed below ``resolveProbability`` for ``resolveAfterMilliseconds`` of event
/// time — hysteresis, so alerts do not flap. Recovery is judged on recent tables because the
/// 30-day window remembers the weak weeks for a month: after a training that worked, the gap
/// would stay open that long. For the same reason a gap resolved less than 30 days ago reopens
/// only on windows that begin after its resolution (evidence counts once), and no gap opens
/// while the recent windows already say it has passed (it would resolve a week later). Without
/// enough tables in the last 7 and 14 days, the strongest window decides both.
///
/// The opening level goes with the tests: since the count tests weigh how uncertain the peers'
/// rate is (``GapTests/widened(_:peerCount:)``), their probabilities are lower where peers are
/// few, and 0.97 is the level at which, over seeds 1–24 of the default scenario (25 staff per
/// restaurant), precision and delay stayed about where the unwidened tests at 0.99 had them
/// (93.0% against 93.2%, 7.5 days against 7.3), while in restaurants of 12 staff precision rose
/// from 84.6% to 90.1% and of 8 from 75.7% to 85.3% (seeds 1–12).
public struct GapDetector: Sendable {
    public let openProbability = 0.97
    public let resolveProbability = 0.5
    public let resolveAfterMilliseconds: Int64 = 7 * 86_400_000
    public let severityStep = 0.1
    /// Recovery is judged on the windows of at most this many days.
    public static let recoveryWindowDays = ServiceWindows.middleDays
    /// Own evidence this strong opens a gap whatever the outcome models say (``weighed(_:modelSeesRisk:)``).
    public let overwhelmingProbability = 0.999
    public static let model = "gap-tests-v2"

    /// The probability the detector acts on, given whether the driving outcome model sees more
    /// risk of the skill's complaint at the staff member's tables than at their peers': when it
    /// does not, the gap waits (held just below the opening level) — both must agree — unless
    /// the staff member's own evidence is overwhelming. The model reads a visit's features, not
    /// the complaints themselves: it may hold back a borderline case, never a clear one.
    public func weighed(_ probability: Double, modelSeesRisk: Bool) -> Double {
        modelSeesRisk || probability >= overwhelmingProbability ? probability : min(probability, openProbability * 0.99)
    }

    /// An open gap.
    struct OpenGap: Sendable {
        var alertID: String
        var severity: Double
        /// The last alert published for it.
        var last: GapAlert
        /// Event time since which the probability has been below the resolve level, if it is.
        var clearSince: Int64?
    }

    var open: [String: OpenGap] = [:]
    /// When each (staff, skill) gap last resolved, for the 30 days after (see the type's doc).
    var resolvedAt: [String: Int64] = [:]
    /// The event-time day resolutions older than ``forgetResolutionsAfterDays`` were last
    /// forgotten (once a day; kept in the snapshot, so a restored detector forgets on the same
    /// days).
    var prunedDay: Int64 = 0
    /// Longer than the 30 days a resolution matters, by more than any allowed lateness: an
    /// assessment of an event a few hours older than the newest never misses a resolution it needs.
    static let forgetResolutionsAfterDays: Int64 = 31

    public init() {}

    public var openCount: Int { open.count }

    /// The id of the staff member's open gap on the skill, if there is one.
    public func openAlertID(restaurantID: String, staffID: String, skill: Skill) -> String? {
        open[Self.key(restaurantID, staffID, skill)]?.alertID
    }

    /// The staff of a restaurant with an open gap on the skill.
    public func staffWithOpenGap(restaurantID: String, skill: Skill) -> [String] {
        open.keys.sorted().compactMap { key in
            let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            return parts[0] == restaurantID && parts[2] == skill.rawValue ? String(parts[1]) : nil
        }
    }

    /// Resolves every open gap of a staff member who left: the last figures, marked resolved,
    /// with the reason in both languages.
    public mutating func resolveAll(staffID: String, restaurantID: String, at time: EventTime) -> [GapAlert] {
        let keys = Skill.allCases.map { Self.key(restaurantID, staffID, $0) }.filter { open[$0] != nil }
        return keys.map { key in
            var resolved = open.removeValue(forKey: key)!.last
            // A departure that arrives late may be older than what was published since: the
            // resolution never predates the alert.
            let at = resolved.detectedAt.millisecondsSinceEpoch > time.millisecondsSinceEpoch ? resolved.detectedAt : time
            resolvedAt[key] = at.millisecondsSinceEpoch
            resolved.status = .resolved
            resolved.detectedAt = at
            resolved.textES = "Dejó el restaurante. " + resolved.textES
            resolved.textEN = "Left the restaurant. " + resolved.textEN
            return resolved
        }
    }

    private static func key(_ restaurantID: String, _ staffID: String, _ skill: Skill) -> String {
        restaurantID + "\u{1F}" + staffID + "\u{1F}" + skill.rawValue
    }

    /// The alerts that this assessment of a staff member's skills causes at `time`.
    public mutating func update(
        staffID: String, restaurantID: String, assessments: [SkillAssessment], at time: EventTime
    ) -> [GapAlert] {
        var alerts: [GapAlert] = []
        let day = time.millisecondsSinceEpoch / 86_400_000
        if day > prunedDay {
            prunedDay = day
            let cutoff = time.millisecondsSinceEpoch - Self.forgetResolutionsAfterDays * 86_400_000
            resolvedAt = resolvedAt.filter { $0.value > cutoff }
        }
        for assessment in assessments {
            let key = Self.key(restaurantID, staffID, assessment.skill)
            let recent = assessment.windowProbabilities.strongest(upTo: Self.recoveryWindowDays) ?? assessment.gapProbability
            if var gap = open[key] {
                if recent < resolveProbability {
                    let since = gap.clearSince ?? time.millisecondsSinceEpoch
                    if time.millisecondsSinceEpoch - since >= resolveAfterMilliseconds {
                        // The figures of the recent windows: what it resolved on.
                        let recovered = assessment.judged(onWindowsUpTo: Self.recoveryWindowDays)
                        alerts.append(alert(gap.alertID, .resolved, staffID, restaurantID, recovered, time))
                        open[key] = nil
                        resolvedAt[key] = time.millisecondsSinceEpoch
                        continue
                    }
                    gap.clearSince = since
                } else {
                    gap.clearSince = nil
                    // A gap reopened lately goes on speaking of the windows since its last resolution.
                    if let current = openingBasis(key, assessment, at: time), abs(current.severity - gap.severity) >= severityStep {
                        gap.severity = current.severity
                        gap.last = alert(gap.alertID, .open, staffID, restaurantID, current, time)
                        alerts.append(gap.last)
                    }
                }
                open[key] = gap
            } else if recent >= resolveProbability, let basis = openingBasis(key, assessment, at: time), basis.gapProbability >= openProbability {
                let id = "gap-" + hex(FNV1a.hash(key + "\u{1F}" + time.description))
                let opened = alert(id, .open, staffID, restaurantID, basis, time)
                open[key] = OpenGap(alertID: id, severity: basis.severity, last: opened)
                alerts.append(opened)
            }
        }
        return alerts
    }

    /// Days since the pair's last resolution, while it is less than 30 (negative for an
    /// assessment of an event older than the resolution); nil otherwise.
    private func daysSinceRecentResolution(_ key: String, at time: EventTime) -> Int64? {
        guard let resolved = resolvedAt[key] else { return nil }
        let days = (time.millisecondsSinceEpoch - resolved) / 86_400_000
        return days < Int64(ServiceWindows.longDays) ? days : nil
    }

    /// What may open a gap, or update one reopened lately: the whole assessment, or, within 30
    /// days of the pair's last resolution, the assessment judged on the windows that begin
    /// after it (nil while none does, or none of them has enough tables).
    private func openingBasis(_ key: String, _ assessment: SkillAssessment, at time: EventTime) -> SkillAssessment? {
        guard let days = daysSinceRecentResolution(key, at: time) else { return assessment }
        guard days >= 0, assessment.windowProbabilities.strongest(upTo: Int32(days)) != nil else { return nil }
        return assessment.judged(onWindowsUpTo: Int32(days))
    }

    /// What a staff member's profile shows of a skill's assessment: what the detector judges
    /// the gap on, so that the profile and the alerts agree. Within 30 days of the pair's last
    /// resolution that is the windows that begin after it while the gap is open again (as its
    /// alerts speak; the recent windows while none of those has enough tables), and the recent
    /// windows it resolved on otherwise (when they have enough tables); the whole assessment the
    /// rest of the time.
    public func profiled(_ assessment: SkillAssessment, restaurantID: String, staffID: String, at time: EventTime) -> SkillAssessment {
        let key = Self.key(restaurantID, staffID, assessment.skill)
        guard daysSinceRecentResolution(key, at: time) != nil else { return assessment }
        guard open[key] != nil else { return assessment.judged(onWindowsUpTo: Self.recoveryWindowDays) }
        return openingBasis(key, assessment, at: time) ?? assessment.judged(onWindowsUpTo: Self.recoveryWindowDays)
    }

    /// The last alert of the staff member's open gap on the skill while its recent windows still
    /// show it; nil when there is no open gap, or while it counts down to its resolution (the
    /// recent windows below the resolve level). What a training's follow-up recommends again for.
    public func stillShowing(restaurantID: String, staffID: String, skill: Skill) -> GapAlert? {
        guard let gap = open[Self.key(restaurantID, staffID, skill)], gap.clearSince == nil else { return nil }
        return gap.last
    }

    /// Whether the staff member's last 30 days hold a gap on the skill: open, or resolved less
    /// than 30 days before `time` (the weeks of a gap are not what is ordinary for a role).
    public func holdsGap(restaurantID: String, staffID: String, skill: Skill, at time: EventTime) -> Bool {
        let key = Self.key(restaurantID, staffID, skill)
        return open[key] != nil || daysSinceRecentResolution(key, at: time) != nil
    }

    private func alert(
        _ id: String, _ status: GapAlert.Status, _ staffID: String, _ restaurantID: String, _ assessment: SkillAssessment, _ time: EventTime
    ) -> GapAlert {
        let evidence = assessment.explained()
        return GapAlert(
            alertID: id, status: status, staffID: staffID, restaurantID: restaurantID, skill: assessment.skill,
            severity: rounded(assessment.severity), skillScore: rounded(assessment.skillScore), benchmark: assessment.benchmark,
            features: evidence.features.map { GapAlert.Feature(name: $0.key, value: rounded($0.value.value), benchmark: rounded($0.value.benchmark)) },
            textES: evidence.textES, textEN: evidence.textEN, model: assessment.model, detectedAt: time)
    }

    private func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
