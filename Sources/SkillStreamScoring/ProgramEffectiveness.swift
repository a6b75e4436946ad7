import Foundation
import SkillStreamDomain
import SkillStreamLearning

/// What each training program does to each skill, learned from outcomes: after a staff member
/// with an open gap on a skill completes a program that trains it, their skill score over the
/// next ``followUpDays`` is compared with the ``followUpDays`` before, and the same change for
/// the untrained staff who had the same gap over the same period is subtracted (a difference in
/// differences: a restaurant-wide improvement is not credited to the course).
///
/// Each (program, skill) keeps a normal posterior of its effect in skill-score points: prior
/// mean 0 (a program earns its rank) worth one observation, prior spread ``priorSpread``.
public struct ProgramEffectiveness: Sendable {
    public static let followUpDays: Int32 = 14
    public static let priorSpread = 15.0

    /// The evidence about one program on one skill.
    public struct Estimate: Sendable, Hashable {
        public var observations = 0
        public var sum = 0.0

        /// Posterior mean effect, skill-score points.
        public var mean: Double { sum / (Double(observations) + 1) }
        /// Posterior standard deviation.
        public var spread: Double { ProgramEffectiveness.priorSpread / (Double(observations) + 1).squareRoot() }
        /// 0 without evidence, towards 1 as measurements accumulate.
        public var confidence: Double { 1 - spread / ProgramEffectiveness.priorSpread }
    }

    /// A completed training waiting for its follow-up.
    struct Measurement: Sendable {
        var programID: String
        var skill: Skill
        var trained: PartitionState.StaffKey
        var completedDay: Int32
        var before: Double
        /// Untrained staff with the same gap then, and their score then.
        var controls: [(PartitionState.StaffKey, Double)]
    }

    public private(set) var estimates: [String: [Skill: Estimate]] = [:]
    var pending: [Measurement] = []

    public init() {}

    public func estimate(programID: String, skill: Skill) -> Estimate { estimates[programID]?[skill] ?? Estimate() }

    /// Records one measured effect.
    mutating func record(programID: String, skill: Skill, effect: Double) {
        estimates[programID, default: [:]][skill, default: Estimate()].observations += 1
        estimates[programID, default: [:]][skill, default: Estimate()].sum += effect
    }

    /// The skill score the effectiveness measurements use: the benchmark divided by the staff
    /// member's trouble ratio on the skill's own test (waits, errors per item, complaints per
    /// table) over `days` days ending on `day`; nil without enough tables.
    static func score(of skill: Skill, staff: ServiceWindows, restaurant: ServiceWindows, day: Int32, days: Int32, benchmark: Double) -> Double? {
        let own = staff.summary(endingOn: day, days: days)
        let all = restaurant.summary(endingOn: day, days: days)
        guard own.tables >= GapTests.minimumTables else { return nil }
        let peers = GapTests.Peers(all: all, own: own)
        let ratio: Double
        switch skill {
        case .timeliness:
            guard peers.tables > 0, let mean = own.waitRatioMean else { return nil }
            ratio = mean / (Double(peers.waitRatioMillis) / 1_000 / Double(peers.tables))
        case .orderAccuracy:
            let peerRate = (Double(peers.itemsIncorrect) + 1) / (Double(peers.itemsOrdered) + 200)
            ratio = (Double(own.itemsIncorrect) + 1) / (Double(own.itemsOrdered) * peerRate + 1)
        default:
            let index = Skill.allCases.firstIndex(of: skill)!
            let peerRate = (Double(peers.complaints[index]) + 1) / (Double(peers.tables) + 50)
            ratio = (Double(own.complaints[index]) + 1) / (Double(own.tables) * peerRate + 1)
        }
        return min(100, benchmark / max(ratio, 0.01))
    }
}

/// Chooses the programs to recommend for an open gap: those that train the skill and fit the
/// staff member's role, minus the ones they completed in the last ``recentDays`` days, ranked by
/// Thompson sampling from each program's effect posterior — a program with little evidence gets
/// tried now and then, one that does not work sinks — with the draws seeded by the alert id so a
/// replay recommends the same. Each carries the posterior mean as its expected improvement.
public struct Recommender: Sendable {
    public static let recentDays = 90
    public static let count = 3

    public init() {}

    public func recommend(
        for alert: GapAlert, role: Role?, completed: [StaffState.CompletedTraining], programs: [TrainingProgramReference],
        effectiveness: ProgramEffectiveness
    ) -> [TrainingRecommendation] {
        let recent = Set(
            completed.filter { alert.detectedAt.millisecondsSinceEpoch - $0.completedAt.millisecondsSinceEpoch < Int64(Self.recentDays) * 86_400_000 }
                .map(\.programID))
        let candidates = programs.filter { program in
            program.skills.contains(alert.skill) && (role.map { program.roles.contains($0) } ?? true) && !recent.contains(program.programID)
        }.sorted { $0.programID < $1.programID }
        var random = RandomSource(seed: FNV1a.hash(alert.alertID))
        let drawn = candidates.map { program -> (TrainingProgramReference, ProgramEffectiveness.Estimate, Double) in
            let estimate = effectiveness.estimate(programID: program.programID, skill: alert.skill)
            return (program, estimate, estimate.mean + estimate.spread * random.nextNormal())
        }
        return drawn.sorted { $0.2 > $1.2 }.prefix(Self.count).enumerated().map { index, entry in
            TrainingRecommendation(
                recommendationID: "rec-" + String(FNV1a.hash(alert.alertID + "\u{1F}" + entry.0.programID), radix: 16),
                alertID: alert.alertID, staffID: alert.staffID, restaurantID: alert.restaurantID, skill: alert.skill,
                programID: entry.0.programID, rank: index + 1, expectedImprovement: (entry.1.mean * 10).rounded() / 10,
                confidence: (entry.1.confidence * 1_000).rounded() / 1_000)
        }
    }
}
