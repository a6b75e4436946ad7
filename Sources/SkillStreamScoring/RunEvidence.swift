import SkillStreamDomain

/// What scoring a run against a ground truth needs from it: every alert the engine emitted, in
/// order, and when each staff member served tables (a weakness no guest met cannot be seen in
/// any event). `evaluate-scenario` and `replay --truth` collect it the same way.
public struct RunEvidence: Sendable {
    public private(set) var alerts: [GapAlert] = []
    /// Per staff id, the event times (ms) of the tables they served, as processed.
    public private(set) var servedTables: [String: [Int64]] = [:]

    public init() {}

    /// Takes what one message led to.
    public mutating func record(_ step: EngineStep) {
        alerts += step.alerts
        if case .processed(.tableService(let visit), _) = step.outcome {
            servedTables[visit.staffID, default: []].append(visit.header.occurredAt.millisecondsSinceEpoch)
        }
    }
}
