import SkillStreamDomain

/// How far a run's staff profiles can be trusted at its end, against the simulated world's
/// truth: of the (staff, skill) cells shown more than 25% below the benchmark
/// (``SkillStanding/far``, red on the dashboard), how many are truly weak then; and of the
/// truly weak cells, how many are shown so. Only staff still employed at the end, and cells
/// they were assessed on, count: that is what a manager sees.
public struct ProfileScore: Sendable, CustomStringConvertible {
    public var shownFar = 0
    public var trulyWeak = 0
    /// Cells both shown far below and truly weak.
    public var shownFarTrulyWeak = 0

    /// `standings`: per staff id, each skill's standing in their latest assessment.
    public init(truth: GroundTruth, standings: [String: [Skill: SkillStanding]]) {
        for member in truth.staff where member.terminatedAt == nil {
            for (skill, standing) in standings[member.staffId] ?? [:] {
                // A weak period without an end lasts to the end of the run.
                let weak = member.weakSkills.contains { $0.skill == skill.rawValue && $0.to == nil }
                let far = standing == .far
                if far { shownFar += 1 }
                if weak { trulyWeak += 1 }
                if far && weak { shownFarTrulyWeak += 1 }
            }
        }
    }

    public var description: String {
        "profiles at the end   \(shownFar) cells shown more than 25 % below the benchmark, \(shownFarTrulyWeak) of them truly weak; "
            + "\(shownFarTrulyWeak) of \(trulyWeak) truly weak cells shown so"
    }
}
