import SkillStreamDomain

/// How alerts end, against a simulated world's ground truth: a gap should resolve once the skill
/// has truly recovered, and not while it is still weak.
///
/// - A *recovered gap* is a weak period of at least ``DetectionScore/minimumWeakDays`` days that
///   ended before the run did while the staff member was still employed (a departure ends
///   weak periods too: those are left out), with an alert open at that moment.
/// - Days to resolve: from the recovery to that alert's resolution; a recovered gap whose alert
///   is still open at the end of the run counts as still open.
/// - Resolved while weak: resolutions (departures aside) at a moment the pair was truly weak,
///   the lifecycle's flapping.
public struct ResolutionScore: Sendable, CustomStringConvertible {
    public var recoveredGaps = 0
    public var daysToResolve: [Double] = []
    public var stillOpenAtEnd = 0
    public var resolutions = 0
    public var resolvedWhileWeak = 0

    public var medianDaysToResolve: Double? { DetectionScore.median(daysToResolve) }

    /// `alerts`: every alert published (opened, updated, resolved), in any order.
    public init(truth: GroundTruth, alerts: [GapAlert]) {
        let day = 86_400_000.0
        let end = EventTime(rfc3339: truth.end)!.millisecondsSinceEpoch
        struct Life {
            var staffID: String
            var skill: String
            var opened: Int64
            var resolved: Int64?
        }
        var lives: [String: Life] = [:]
        for alert in alerts {
            let time = alert.detectedAt.millisecondsSinceEpoch
            var life = lives[alert.alertID] ?? Life(staffID: alert.staffID, skill: alert.skill.rawValue, opened: time)
            if alert.status == .open {
                life.opened = min(life.opened, time)
            } else {
                life.resolved = max(life.resolved ?? time, time)
            }
            lives[alert.alertID] = life
        }
        let byPair = Dictionary(grouping: lives.values) { $0.staffID + "|" + $0.skill }
        for member in truth.staff {
            let leftAt = member.terminatedAt.flatMap { EventTime(rfc3339: $0)?.millisecondsSinceEpoch } ?? Int64.max
            for skill in Set(member.weakSkills.map(\.skill)) {
                let periods = member.weakSkills.filter { $0.skill == skill }.map { period in
                    (from: EventTime(rfc3339: period.from)!.millisecondsSinceEpoch,
                     to: period.to.flatMap { EventTime(rfc3339: $0)?.millisecondsSinceEpoch })
                }
                let pairLives = byPair[member.staffId + "|" + skill] ?? []
                for life in pairLives {
                    guard let resolved = life.resolved, resolved < leftAt else { continue }
                    resolutions += 1
                    if periods.contains(where: { resolved >= $0.from && resolved < ($0.to ?? Int64.max) }) { resolvedWhileWeak += 1 }
                }
                for period in periods {
                    guard let to = period.to, to < leftAt, to < end, Double(to - period.from) >= DetectionScore.minimumWeakDays * day,
                        let covering = pairLives.first(where: { $0.opened <= to && ($0.resolved ?? Int64.max) >= to })
                    else { continue }
                    recoveredGaps += 1
                    if let resolved = covering.resolved {
                        daysToResolve.append(Double(resolved - to) / day)
                    } else {
                        stillOpenAtEnd += 1
                    }
                }
            }
        }
    }

    public var description: String {
        """
        recovered gaps        \(recoveredGaps) with an alert open at recovery: \(daysToResolve.count) resolved, median \
        \(medianDaysToResolve.map { String((($0 * 10).rounded()) / 10) } ?? "n/a") days after; \(stillOpenAtEnd) still open at the end
        resolutions           \(resolutions) (departures aside), \(resolvedWhileWeak) while the skill was still weak
        """
    }
}
