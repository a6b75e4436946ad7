import SkillStreamDomain

/// How well a run's training recommendations did against a simulated world's truth.
///
/// - Ranking: for each (skill, role) that two or more programs fit, whether the program the
///   engine estimates best (highest posterior mean effect) is the truly most effective one; a
///   pair with no measured program counts as wrong.
/// - Closing: for each true gap that got an alert, the days from the first alert until the skill
///   was truly back above the weak level (or the run ended): what following recommendations
///   shortens.
public struct TrainingScore: Sendable, CustomStringConvertible {
    public var rankingPairs = 0
    public var rankingCorrect = 0
    public var weakDaysAfterAlert: [Double] = []
    /// The same, only for gaps whose staff member completed a recommended program training the
    /// skill: what the ranking changes.
    public var weakDaysAfterAlertWhenTrained: [Double] = []
    public var recommendedEnrolments = 0
    public var recommendedCompleted = 0

    public var meanWeakDaysAfterAlert: Double? { Self.mean(weakDaysAfterAlert) }
    public var meanWeakDaysAfterAlertWhenTrained: Double? { Self.mean(weakDaysAfterAlertWhenTrained) }

    static func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

    /// `estimatedEffects`: the engine's posterior mean effect per program and skill (only the
    /// measured ones); `programs`: the catalog (which skills each program trains).
    public init(truth: GroundTruth, alerts: [GapAlert], estimatedEffects: [String: [Skill: Double]], programs: [TrainingProgramReference]) {
        let trueEffects = Dictionary(uniqueKeysWithValues: truth.programs.map { ($0.programId, $0.effects) })
        for skill in Skill.allCases {
            for role in Role.allCases {
                let fitting = programs.filter { $0.skills.contains(skill) && $0.roles.contains(role) }.map(\.programID)
                guard fitting.count >= 2 else { continue }
                rankingPairs += 1
                let best = fitting.max { (trueEffects[$0]?[skill.rawValue] ?? 0) < (trueEffects[$1]?[skill.rawValue] ?? 0) }
                let measured = fitting.filter { estimatedEffects[$0]?[skill] != nil }
                guard let chosen = measured.max(by: { estimatedEffects[$0]![skill]! < estimatedEffects[$1]![skill]! }) else { continue }
                if chosen == best { rankingCorrect += 1 }
            }
        }
        let end = EventTime(rfc3339: truth.end)!.millisecondsSinceEpoch
        var firstAlert: [String: Int64] = [:]
        for alert in alerts where alert.status == .open {
            let pair = alert.staffID + "|" + alert.skill.rawValue
            firstAlert[pair] = min(firstAlert[pair] ?? .max, alert.detectedAt.millisecondsSinceEpoch)
        }
        for member in truth.staff {
            for period in member.weakSkills {
                let from = EventTime(rfc3339: period.from)!.millisecondsSinceEpoch
                let to = period.to.flatMap { EventTime(rfc3339: $0)?.millisecondsSinceEpoch } ?? end
                guard let alerted = firstAlert[member.staffId + "|" + period.skill], alerted >= from, alerted <= to else { continue }
                weakDaysAfterAlert.append(Double(to - alerted) / 86_400_000)
                let trained = member.trainings.contains { training in
                    guard training.recommended, let completed = training.completedAt.flatMap({ EventTime(rfc3339: $0)?.millisecondsSinceEpoch }),
                        completed >= alerted, let program = programs.first(where: { $0.programID == training.programId })
                    else { return false }
                    return program.skills.map(\.rawValue).contains(period.skill)
                }
                if trained { weakDaysAfterAlertWhenTrained.append(Double(to - alerted) / 86_400_000) }
            }
            recommendedEnrolments += member.trainings.filter(\.recommended).count
            recommendedCompleted += member.trainings.filter { $0.recommended && $0.completedAt != nil }.count
        }
    }

    public var description: String {
        """
        recommended enrolments \(recommendedEnrolments) (\(recommendedCompleted) completed)
        ranking               best program on top for \(rankingCorrect) of \(rankingPairs) (skill, role) pairs
        gap days after alert  \(meanWeakDaysAfterAlert.map { String((($0 * 10).rounded()) / 10) } ?? "n/a") on average (\(weakDaysAfterAlert.count) alerted gaps)
        … when trained        \(meanWeakDaysAfterAlertWhenTrained.map { String((($0 * 10).rounded()) / 10) } ?? "n/a") on average (\(weakDaysAfterAlertWhenTrained.count) gaps with a recommended program completed)
        """
    }
}
