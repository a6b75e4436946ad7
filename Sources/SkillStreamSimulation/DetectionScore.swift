import SkillStreamDomain

/// How well a run's gap alerts match a simulated world's ground truth.
///
/// - A *true gap* is a (staff, skill) pair truly weak for at least ``minimumWeakDays`` days
///   (to the end of the run or of the employment if it did not recover), of a staff member who
///   served tables while weak: someone whose weakness never reached a guest cannot be seen in
///   any event.
/// - An alert is *correct* when it opened while its pair was truly weak, or within
///   ``graceDays`` after (evidence lags the truth).
/// - Precision: correct alerts / alerts opened. Recall: true gaps with a correct alert / true
///   gaps. Delay: from the start of the weak period to the first correct alert.
/// - Confounded: staff of a restaurant during its kitchen's bad month who got an alert that was
///   not correct, over that restaurant's staff.
public struct DetectionScore: Sendable, CustomStringConvertible {
    public static let minimumWeakDays = 14.0
    public static let graceDays = 7.0

    public var alertsOpened = 0
    public var correctAlerts = 0
    /// The ids of the correct alerts.
    public var correctAlertIDs: Set<String> = []
    /// The true gaps no alert caught, with the weak period.
    public var missedGaps: [(staffID: String, skill: String, from: Int64, to: Int64)] = []
    public var trueGaps = 0
    public var detectedGaps = 0
    public var delaysDays: [Double] = []
    public var confoundedStaff = 0
    public var staffInBadKitchens = 0
    /// Per skill: alerts opened, correct alerts, true gaps, detected gaps.
    public var bySkill: [String: [Int]] = [:]

    public var precision: Double { alertsOpened == 0 ? 1 : Double(correctAlerts) / Double(alertsOpened) }
    public var recall: Double { trueGaps == 0 ? 1 : Double(detectedGaps) / Double(trueGaps) }
    public var medianDelayDays: Double? { Self.median(delaysDays) }

    /// The median of `values` (the mean of the middle two for an even count); nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    public var confoundedShare: Double { staffInBadKitchens == 0 ? 0 : Double(confoundedStaff) / Double(staffInBadKitchens) }

    /// Scores the opened alerts (status open, first sighting of each id) against the truth.
    /// `servedTables` says, per staff id, the event times (ms) of the tables they served.
    public init(truth: GroundTruth, alerts: [GapAlert], servedTables: [String: [Int64]]) {
        let end = EventTime(rfc3339: truth.end)!.millisecondsSinceEpoch
        let day = 86_400_000.0
        struct Pair: Hashable {
            var staffID: String
            var skill: String
        }
        var weak: [Pair: [(from: Int64, to: Int64)]] = [:]
        for member in truth.staff {
            let leftAt = member.terminatedAt.flatMap { EventTime(rfc3339: $0)?.millisecondsSinceEpoch } ?? end
            for period in member.weakSkills {
                let from = EventTime(rfc3339: period.from)!.millisecondsSinceEpoch
                let to = period.to.flatMap { EventTime(rfc3339: $0)?.millisecondsSinceEpoch } ?? min(end, leftAt)
                weak[Pair(staffID: member.staffId, skill: period.skill), default: []].append((from, to))
            }
        }
        var firstAlerts: [String: GapAlert] = [:]
        var opened: [GapAlert] = []
        for alert in alerts where alert.status == .open && firstAlerts[alert.alertID] == nil {
            firstAlerts[alert.alertID] = alert
            opened.append(alert)
        }
        alertsOpened = opened.count
        func isCorrect(_ alert: GapAlert) -> Bool {
            let time = alert.detectedAt.millisecondsSinceEpoch
            return (weak[Pair(staffID: alert.staffID, skill: alert.skill.rawValue)] ?? []).contains {
                time >= $0.from && Double(time) <= Double($0.to) + Self.graceDays * day
            }
        }
        correctAlertIDs = Set(opened.filter(isCorrect).map(\.alertID))
        correctAlerts = correctAlertIDs.count
        for alert in opened {
            bySkill[alert.skill.rawValue, default: [0, 0, 0, 0]][0] += 1
            if isCorrect(alert) { bySkill[alert.skill.rawValue, default: [0, 0, 0, 0]][1] += 1 }
        }
        for (pair, periods) in weak {
            for period in periods where Double(period.to - period.from) >= Self.minimumWeakDays * day {
                guard (servedTables[pair.staffID] ?? []).contains(where: { $0 >= period.from && $0 <= period.to }) else { continue }
                trueGaps += 1
                bySkill[pair.skill, default: [0, 0, 0, 0]][2] += 1
                let hits = opened.filter {
                    $0.staffID == pair.staffID && $0.skill.rawValue == pair.skill && $0.detectedAt.millisecondsSinceEpoch >= period.from
                        && Double($0.detectedAt.millisecondsSinceEpoch) <= Double(period.to) + Self.graceDays * day
                }
                if let first = hits.map(\.detectedAt.millisecondsSinceEpoch).min() {
                    detectedGaps += 1
                    bySkill[pair.skill, default: [0, 0, 0, 0]][3] += 1
                    delaysDays.append(Double(first - period.from) / day)
                } else {
                    missedGaps.append((pair.staffID, pair.skill, period.from, period.to))
                }
            }
        }
        for restaurant in truth.restaurants {
            for confounder in restaurant.confounders where confounder.kind == "kitchen_bad_month" {
                let from = EventTime(rfc3339: confounder.from)!.millisecondsSinceEpoch
                let to = EventTime(rfc3339: confounder.to)!.millisecondsSinceEpoch
                let staff = truth.staff.filter { $0.restaurantId == restaurant.restaurantId && (servedTables[$0.staffId] ?? []).contains { $0 >= from && $0 < to } }
                staffInBadKitchens += staff.count
                let wronged = Set(
                    opened.filter {
                        $0.restaurantID == restaurant.restaurantId && $0.detectedAt.millisecondsSinceEpoch >= from
                            && $0.detectedAt.millisecondsSinceEpoch < to && !isCorrect($0)
                    }.map(\.staffID))
                confoundedStaff += wronged.count
            }
        }
    }

    public var description: String {
        func percent(_ value: Double) -> String { String(Int((value * 1_000).rounded())) .inserting(".", fromEnd: 1) + " %" }
        return """
            alerts opened         \(alertsOpened) (\(correctAlerts) correct)
            precision             \(percent(precision))
            true gaps (≥ 14 days) \(trueGaps), detected \(detectedGaps)
            recall                \(percent(recall))
            median delay          \(medianDelayDays.map { String(Int(($0 * 10).rounded())).inserting(".", fromEnd: 1) + " days" } ?? "n/a")
            confounded staff      \(confoundedStaff) of \(staffInBadKitchens) in a kitchen's bad month (\(percent(confoundedShare)))
            per skill (alerts, correct, true gaps, detected):
            """ + bySkill.sorted { $0.key < $1.key }.map { "\n  \($0.key): \($0.value.map(String.init).joined(separator: ", "))" }.joined()
    }
}

extension String {
    /// The text with `separator` inserted `fromEnd` characters before its end (a fixed-point decimal).
    fileprivate func inserting(_ separator: Character, fromEnd: Int) -> String {
        var text = self
        while text.count <= fromEnd { text = "0" + text }
        text.insert(separator, at: text.index(text.endIndex, offsetBy: -fromEnd))
        return text
    }
}
