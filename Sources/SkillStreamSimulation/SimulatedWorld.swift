import Foundation
import SkillStreamDomain
import SkillStreamLearning

/// A simulated restaurant: its reference data, its capacity, and when its kitchen had a bad month.
struct SimulatedRestaurant {
    let id: String
    let name: String
    let city: String
    let benchmark: Double
    let accredited: Bool
    let targetWaitSeconds: Double
    /// Tables on an ordinary day.
    let baseTablesPerDay: Double
    /// Days of the bad kitchen month, if it has one.
    let kitchenBadDays: Range<Int32>?
    /// Indices into the world's staff, employed now.
    var staff: [Int] = []
    var busyNights: [Int32] = []
    var nextStaffNumber = 0
    var nextVisitNumber = 0
}

/// A simulated staff member: latent skill levels (0–1, in ``Skill/allCases`` order) that drift,
/// planted weaknesses, new-hire inexperience, training gains, and the truth the run reports.
struct SimulatedStaff {
    let id: String
    let restaurant: Int
    var role: Role
    let hiredDay: Int32
    let hiredAt: EventTime
    var terminatedAt: EventTime?
    /// Where each skill settles for this person.
    let baseLevels: [Double]
    /// Slow random walk around the base.
    var drift: [Double]
    /// What completed trainings added.
    var trainingGain: [Double]
    var planted: [(skill: Int, fromDay: Int32, drop: Double)]
    /// Weekdays worked (bit 0 = Sunday).
    let workdays: UInt8
    /// Levels today.
    var levels: [Double]
    /// Open weak periods per skill, and the closed ones.
    var openWeakness: [GroundTruth.WeakPeriod?]
    var weakPeriods: [GroundTruth.WeakPeriod] = []
    var trainings: [GroundTruth.Training] = []
    /// The program being taken now (index into the catalog), if any.
    var enrolledProgram: Int?

    var isActive: Bool { terminatedAt == nil }

    func works(on day: Int32) -> Bool { workdays & (1 << UInt8(SimulationCalendar.weekday(day))) != 0 }

    /// The latent level of every skill on `day`.
    func computeLevels(on day: Int32) -> [Double] {
        let tenure = Double(day - hiredDay)
        let inexperience = 0.15 * exp(-max(0, tenure) / 45)
        return (0..<Skill.allCases.count).map { skill in
            var drop = 0.0
            for weakness in planted where weakness.skill == skill && day >= weakness.fromDay {
                drop += weakness.drop * min(1, Double(day - weakness.fromDay + 1) / 7)
            }
            return min(0.98, max(0.05, baseLevels[skill] + drift[skill] - drop - inexperience + trainingGain[skill]))
        }
    }
}

extension RandomSource {
    /// True with probability `chance`.
    mutating func chance(_ chance: Double) -> Bool { nextUnit() < chance }

    /// A uniform draw from `range`.
    mutating func uniform(_ range: ClosedRange<Double>) -> Double { range.lowerBound + nextUnit() * (range.upperBound - range.lowerBound) }

    /// A uniform index below `count`.
    mutating func index(_ count: Int) -> Int { min(count - 1, Int(nextUnit() * Double(count))) }

    /// An index drawn in proportion to `weights`.
    mutating func weighted(_ weights: [Double]) -> Int {
        var target = nextUnit() * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }

    /// A Poisson-distributed count (normal approximation above 30).
    mutating func poisson(_ mean: Double) -> Int {
        if mean > 30 { return max(0, Int((mean + mean.squareRoot() * nextNormal()).rounded())) }
        let limit = exp(-mean)
        var product = nextUnit()
        var count = 0
        while product > limit {
            product *= nextUnit()
            count += 1
        }
        return count
    }
}
