import SkillStreamDomain

/// What one consumed message led to: its cleansing outcome and the alerts it caused.
public struct EngineStep: Sendable {
    public var outcome: ProcessingOutcome
    public var alerts: [GapAlert]
}

/// The engine the processor, `replay` and `evaluate-scenario` all run: a partition's state
/// (cleansing, windows, the visit join) and the gap detector on top. Pure and deterministic:
/// the same messages in the same order give the same outputs. Owned by one task.
public final class SkillEngine {
    public let state: PartitionState
    private var detector = GapDetector()
    /// Event time of each staff member's last assessment: at most one every
    /// ``assessmentIntervalMilliseconds`` per staff member.
    private var lastAssessed: [PartitionState.StaffKey: Int64] = [:]
    public var assessmentIntervalMilliseconds: Int64 = 6 * 3_600_000
    /// New hires (by their hire event) are not alerted in their first days: everyone starts
    /// below par and settles in.
    public var newHireGraceMilliseconds: Int64 = 30 * 86_400_000

    public init(configuration: DomainConfiguration = DomainConfiguration()) {
        state = PartitionState(configuration: configuration)
    }

    public var openGaps: Int { detector.openCount }

    /// Decodes, cleanses and applies one message, then reassesses the staff member it concerns.
    public func process(_ bytes: [UInt8], key: String? = nil, receivedAt: EventTime? = nil) -> EngineStep {
        let outcome = state.process(bytes, key: key, receivedAt: receivedAt)
        guard case .processed(let event, let notes) = outcome, !notes.contains(.late) else { return EngineStep(outcome: outcome, alerts: []) }
        let staffID: String
        switch event {
        case .tableService(let visit): staffID = visit.staffID
        case .guestFeedback(let feedback): staffID = feedback.staffID
        default: return EngineStep(outcome: outcome, alerts: [])
        }
        return EngineStep(outcome: outcome, alerts: assess(restaurantID: event.header.restaurantID, staffID: staffID, at: event.header.occurredAt))
    }

    private func assess(restaurantID: String, staffID: String, at time: EventTime) -> [GapAlert] {
        let key = PartitionState.StaffKey(restaurantID: restaurantID, staffID: staffID)
        if let last = lastAssessed[key], time.millisecondsSinceEpoch - last < assessmentIntervalMilliseconds { return [] }
        guard let member = state.staff[key], let restaurant = state.restaurants[restaurantID] else { return [] }
        if let hired = member.hiredAt, time.millisecondsSinceEpoch - hired.millisecondsSinceEpoch < newHireGraceMilliseconds { return [] }
        lastAssessed[key] = time.millisecondsSinceEpoch
        let assessments = GapTests.assess(
            staff: member.windows, restaurant: restaurant.windows, day: time.localDay,
            benchmark: restaurant.reference?.serviceQualityBenchmark ?? 85)
        return detector.update(staffID: staffID, restaurantID: restaurantID, assessments: assessments, at: time)
    }
}
