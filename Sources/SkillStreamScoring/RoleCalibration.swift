import SkillStreamDomain

/// How each role's trouble rates compare with their restaurants' peers outside gaps (none open,
/// none resolved in the window):
/// order errors per item and each staff complaint category per table (complaints counted as the
/// gap tests count them: at most ``DailyServiceBucket/complaintsCountedPerDay`` a day).
/// Sommeliers hear more about the wine and bartenders about the drinks than servers do; without
/// this, a competent sommelier looks weak next to servers.
///
/// Estimated across the whole partition (all its restaurants) over the last 30 days, pooled per
/// role, shrunk towards 1 with ``pseudoCount`` events, and recomputed once per day of event time.
public struct RoleCalibration: Sendable {
    /// Order errors, then the five staff complaint categories in ``ComplaintCategory/staffAttributable`` order.
    public static let neutral = [Double](repeating: 1, count: 6)
    public static let pseudoCount = 3.0
    public static let days: Int32 = 30

    public internal(set) var factors: [Role: [Double]] = [:]
    public internal(set) var day = Int32.min

    public init() {}

    public func factors(for role: Role?) -> [Double] { role.flatMap { factors[$0] } ?? Self.neutral }

    /// Recomputes the factors for `day` from every staff member with enough tables: their counts
    /// against what their colleagues' rate predicts, skipping the (staff, metric) pairs that
    /// `hasGap` says hold a gap in the window (open, or resolved within it).
    public mutating func recompute(
        day: Int32, restaurants: [(staff: [(role: Role?, windows: ServiceWindows, staffID: String)], restaurantID: String)],
        hasGap: (String, String, Skill) -> Bool
    ) {
        self.day = day
        var observed: [Role: [Double]] = [:]
        var expected: [Role: [Double]] = [:]
        for restaurant in restaurants {
            let summaries = restaurant.staff.map { $0.windows.summary(endingOn: day, days: Self.days) }
            for (index, member) in restaurant.staff.enumerated() {
                guard let role = member.role, summaries[index].tables >= GapTests.minimumTables else { continue }
                let own = summaries[index]
                let peers = GapTests.Peers(summaries.enumerated().filter { $0.offset != index }.map(\.element))
                var counts = [Double](repeating: 0, count: 6)
                var predictions = [Double](repeating: 0, count: 6)
                if !hasGap(restaurant.restaurantID, member.staffID, .orderAccuracy) {
                    counts[0] = Double(own.itemsIncorrect)
                    predictions[0] = Double(own.itemsOrdered) * peers.errorRate
                }
                for (category, skill) in zip(0..<5, Skill.allCases) where !hasGap(restaurant.restaurantID, member.staffID, skill) {
                    counts[category + 1] = Double(own.countedComplaints[category])
                    predictions[category + 1] = Double(own.tables) * peers.complaintRate(category)
                }
                for metric in 0..<6 {
                    observed[role, default: [Double](repeating: 0, count: 6)][metric] += counts[metric]
                    expected[role, default: [Double](repeating: 0, count: 6)][metric] += predictions[metric]
                }
            }
        }
        factors = observed.mapValues { _ in Self.neutral }
        for (role, counts) in observed {
            factors[role] = (0..<6).map { (counts[$0] + Self.pseudoCount) / (expected[role]![$0] + Self.pseudoCount) }
        }
    }
}
