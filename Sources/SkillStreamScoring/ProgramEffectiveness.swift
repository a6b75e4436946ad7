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
/// mean 0 (a program earns its rank) worth one observation, and the spread of one measurement
/// estimated from all the measurements so far (at least ``minimumSpread``: one follow-up of a
/// few weeks is a noisy reading).
///
/// A program may also carry measured effects (``TrainingProgramReference/measuredEffects``): the
/// measurements of every partition of the consumer group, pooled by `skillstream
/// share-program-effects` with each partition's part, or evidence from elsewhere (no parts).
/// They count beside this engine's own measurements, less this engine's partition's part, which
/// its own measurements hold already (and more recent): nothing counts twice, and when the share
/// was applied changes nothing. An engine of every partition (replay) holds every part.
public struct ProgramEffectiveness: Sendable {
    public static let followUpDays: Int32 = 14
    /// How long past its due day a follow-up waits for the trained staff member to serve enough
    /// tables before it is given up.
    public static let longestWaitDays: Int32 = 28
    public static let minimumSpread = 15.0

    /// The evidence about one program on one skill.
    public struct Estimate: Sendable, Hashable {
        public var observations = 0
        public var sum = 0.0
        /// The spread of one measurement (from all programs' measurements).
        public var measurementSpread = ProgramEffectiveness.minimumSpread

        public init(observations: Int = 0, sum: Double = 0) {
            self.observations = observations
            self.sum = sum
        }

        /// Posterior mean effect, skill-score points.
        public var mean: Double { sum / (Double(observations) + 1) }
        /// Posterior standard deviation.
        public var spread: Double { measurementSpread / (Double(observations) + 1).squareRoot() }
        /// 0 without evidence, towards 1 as measurements accumulate.
        public var confidence: Double { 1 - 1 / (Double(observations) + 1).squareRoot() }
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
        /// While waiting for the trained staff member's tables: the last day it was looked at.
        var lastLookedAt: Int32? = nil
        /// The gap the training was for: only that alert gets a new round at the follow-up (nil
        /// in a follow-up restored from a version 3 snapshot or older: any open gap on the skill).
        var alertID: String? = nil
    }

    /// This engine's own measurements: what the processor writes to `program_effectiveness`,
    /// and what the group's share pools.
    public internal(set) var estimates: [String: [Skill: Estimate]] = [:]
    /// The input partition whose measurements these are; nil: an engine of every partition
    /// (replay), whose own measurements hold every part of a share.
    public var partition: Int32?
    var pending: [Measurement] = []
    /// All measurements: count, sum and sum of squares, for the spread of one measurement.
    var all = (count: 0.0, sum: 0.0, squares: 0.0)

    /// The spread of one measurement: the standard deviation of every measurement so far around
    /// their common mean, all programs and skills together (never below ``minimumSpread``). The
    /// differences between programs are in it, so it errs wide, and more so for timeliness,
    /// whose measurements vary less than the complaint-based skills'. A spread per skill, around
    /// each program's own mean, ranked no better over seeds 1–24 of the simulator (354 of 432
    /// (skill, role) pairs against 355): Thompson sampling's choices there follow the means.
    var measurementSpread: Double {
        guard all.count > 2 else { return Self.minimumSpread }
        let mean = all.sum / all.count
        return max(Self.minimumSpread, ((all.squares / all.count - mean * mean) * all.count / (all.count - 1)).squareRoot())
    }

    public init() {}

    /// What is known of `program`'s effect on `skill`: this engine's measurements, and the
    /// program's measured effects less this partition's part of them.
    public func estimate(of program: TrainingProgramReference, skill: Skill) -> Estimate {
        var estimate = estimates[program.programID]?[skill] ?? Estimate()
        if let shared = program.measuredEffects[skill] {
            let own = partition.map { shared.partitions[$0].map { [$0] } ?? [] } ?? Array(shared.partitions.values)
            estimate.observations += shared.observations - own.map(\.observations).reduce(0, +)
            estimate.sum += Double(shared.observations) * shared.meanEffect - own.map { Double($0.observations) * $0.meanEffect }.reduce(0, +)
        }
        estimate.measurementSpread = measurementSpread
        return estimate
    }

    /// Every (program, skill) of `programs` with evidence, own or shared: what the ranking
    /// orders by (``estimate(of:skill:)``).
    public func estimates(of programs: [TrainingProgramReference]) -> [String: [Skill: Estimate]] {
        var known: [String: [Skill: Estimate]] = [:]
        for program in programs {
            for skill in program.skills {
                let estimate = estimate(of: program, skill: skill)
                if estimate.observations > 0 { known[program.programID, default: [:]][skill] = estimate }
            }
        }
        return known
    }

    /// Records one measured effect.
    mutating func record(programID: String, skill: Skill, effect: Double) {
        estimates[programID, default: [:]][skill, default: Estimate()].observations += 1
        estimates[programID, default: [:]][skill, default: Estimate()].sum += effect
        all.count += 1
        all.sum += effect
        all.squares += effect * effect
    }

    /// The skill score the effectiveness measurements use: the benchmark divided by the staff
    /// member's trouble ratio on the skill's own test (waits, errors per item, counted complaints
    /// per table) over `days` days ending on `day`; nil without enough tables.
    static func score(of skill: Skill, staff: StaffState, colleagues: [StaffState], day: Int32, days: Int32, benchmark: Double) -> Double? {
        let own = staff.summary(endingOn: day, days: days)
        guard own.tables >= GapTests.minimumTables else { return nil }
        let peers = GapTests.Peers(colleagues.map { $0.summary(endingOn: day, days: days) })
        let ratio: Double
        switch skill {
        case .timeliness:
            guard let peerMean = peers.meanWait, peerMean > 0, let mean = own.waitRatioMean else { return nil }
            ratio = mean / peerMean
        case .orderAccuracy:
            ratio = GapTests.measuredRatio(count: own.itemsIncorrect, expected: Double(own.itemsOrdered) * peers.errorRate)
        default:
            let index = Skill.allCases.firstIndex(of: skill)!
            ratio = GapTests.measuredRatio(count: own.countedComplaints[index], expected: Double(own.tables) * peers.complaintRate(index))
        }
        return min(100, benchmark / max(ratio, 0.01))
    }
}

/// Sharing measured effects between the engines of one consumer group, whose partitions each
/// measure only their own restaurants' trainings: the records that carry every partition's
/// measurements to every engine (`skillstream share-program-effects` publishes them;
/// `evaluate-scenario --share-effects-days` applies them).
public enum ProgramEffectShare {
    /// For each program of `catalog` with measurements on a skill it trains in `byPartition`
    /// (each partition's own evidence), its record again with them as its measured effects, in
    /// total and per partition, dated `time`, with an event id of the program and the time.
    /// Programs without any are left out. A mean beyond the contract's ±200 points (not possible
    /// from real measurements) is left out of the share.
    public static func records(
        catalog: [TrainingProgramReference], byPartition: [Int32: [String: [Skill: ProgramEffectiveness.Estimate]]], at time: EventTime
    ) -> [TrainingProgramReference] {
        catalog.sorted { $0.programID < $1.programID }.compactMap { program in
            let measured = program.skills.reduce(into: [Skill: MeasuredEffect]()) { effects, skill in
                var parts: [Int32: MeasuredEffect.Part] = [:]
                var total = ProgramEffectiveness.Estimate()
                for (partition, estimates) in byPartition {
                    guard let estimate = estimates[program.programID]?[skill], estimate.observations > 0 else { continue }
                    parts[partition] = MeasuredEffect.Part(observations: estimate.observations, meanEffect: estimate.sum / Double(estimate.observations))
                    total.observations += estimate.observations
                    total.sum += estimate.sum
                }
                guard total.observations > 0, parts.values.allSatisfy({ abs($0.meanEffect) <= 200 }) else { return }
                effects[skill] = MeasuredEffect(observations: total.observations, meanEffect: total.sum / Double(total.observations), partitions: parts)
            }
            guard !measured.isEmpty else { return nil }
            var shared = program
            shared.header = EventHeader(
                eventID: "effects-\(program.programID)-\(time.millisecondsSinceEpoch)", occurredAt: time, restaurantID: program.header.restaurantID)
            shared.measuredEffects = measured
            return shared
        }
    }
}

extension MeasuredEffect {
    /// The default catalog's evidence (no parts: ``TrainingCatalog`` refuses them) and a
    /// share's together: the measurements added, with the share's parts.
    static func together(catalog: MeasuredEffect?, share: MeasuredEffect?) -> MeasuredEffect? {
        guard let catalog else { return share }
        guard let share else { return catalog }
        let observations = catalog.observations + share.observations
        let sum = Double(catalog.observations) * catalog.meanEffect + Double(share.observations) * share.meanEffect
        return MeasuredEffect(observations: observations, meanEffect: sum / Double(observations), partitions: share.partitions)
    }
}

/// Chooses the programs to recommend for an open gap: those that train the skill and fit the
/// staff member's role, minus the ones they completed in the last ``recentDays`` days, ranked
/// by the policy. Each carries the program's posterior mean effect as its expected improvement,
/// and how sure that is. Every draw is seeded by the alert id (and the time of a later round),
/// so a replay recommends the same.
public struct Recommender: Sendable {
    public static let recentDays = 90
    public static let count = 3

    /// How the fitting programs are ranked.
    public enum Policy: String, Sendable, CaseIterable {
        /// Thompson sampling: each program is ranked by one draw from its posterior effect
        /// (``ProgramEffectiveness/Estimate``), so a program is put first about as often as it
        /// is likely to be the best. A program never measured is drawn from the prior (no
        /// effect, the spread of one measurement) and still comes first now and then; one
        /// measured well above the others leads almost always as soon as its first measurement
        /// is in. Measurements are few and slow (a completion, then a ``ProgramEffectiveness/followUpDays``
        /// follow-up), so the ranking has to act on the first ones without locking onto a lucky one.
        case measured
        /// Uniformly at random: the baseline evaluate-scenario compares against.
        case random
        /// By the true effects given in ``Recommender/trueEffects``: what a perfect ranking
        /// would achieve, the bound evaluate-scenario reports beside the other two. Only a
        /// simulator knows them.
        case oracle
    }

    public var policy: Policy
    /// Each program's true effect per skill, for ``Policy/oracle`` only.
    public var trueEffects: [String: [Skill: Double]]

    public init(policy: Policy = .measured, trueEffects: [String: [Skill: Double]] = [:]) {
        self.policy = policy
        self.trueEffects = trueEffects
    }

    /// The recommendations for `alert` at `time`: its opening (`time` nil, the alert's own
    /// detection), or a later round, at the follow-up of a training that left the gap open.
    /// The opening round's ids are the (alert, program) pair's; a later round's also carry its
    /// time, so that every round is new to whoever reads the topic, and each round draws anew.
    public func recommend(
        for alert: GapAlert, at time: EventTime? = nil, role: Role?, completed: [StaffState.CompletedTraining], programs: [TrainingProgramReference],
        effectiveness: ProgramEffectiveness
    ) -> [TrainingRecommendation] {
        let now = time ?? alert.detectedAt
        let round = time.map { "\u{1F}" + $0.description } ?? ""
        let recent = Set(
            completed.filter { now.millisecondsSinceEpoch - $0.completedAt.millisecondsSinceEpoch < Int64(Self.recentDays) * 86_400_000 }
                .map(\.programID))
        let candidates = programs.filter { program in
            program.skills.contains(alert.skill) && (role.map { program.roles.contains($0) } ?? true) && !recent.contains(program.programID)
        }.sorted { $0.programID < $1.programID }
        var random = RandomSource(seed: FNV1a.hash(alert.alertID + round))
        let scored = candidates.map { program -> (program: TrainingProgramReference, estimate: ProgramEffectiveness.Estimate, rank: Double) in
            let estimate = effectiveness.estimate(of: program, skill: alert.skill)
            let rank: Double
            switch policy {
            case .measured: rank = estimate.mean + estimate.spread * random.nextNormal()
            case .random: rank = random.nextUnit()
            case .oracle: rank = trueEffects[program.programID]?[alert.skill] ?? 0
            }
            return (program, estimate, rank)
        }
        return scored.sorted { $0.rank > $1.rank }.prefix(Self.count).enumerated().map { index, entry in
            TrainingRecommendation(
                recommendationID: "rec-" + String(FNV1a.hash(alert.alertID + "\u{1F}" + entry.program.programID + round), radix: 16),
                alertID: alert.alertID, staffID: alert.staffID, restaurantID: alert.restaurantID, skill: alert.skill,
                programID: entry.program.programID, rank: index + 1, expectedImprovement: (entry.estimate.mean * 10).rounded() / 10,
                confidence: (entry.estimate.confidence * 1_000).rounded() / 1_000, recommendedAt: now)
        }
    }
}
