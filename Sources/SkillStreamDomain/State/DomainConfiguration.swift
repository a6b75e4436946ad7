/// The settings of cleansing and per-staff state, with their documented defaults.
public struct DomainConfiguration: Sendable, Hashable {
    /// How long an event id is remembered to skip duplicates (event time): 7 days.
    public var dedupeHorizonMilliseconds: Int64 = 7 * 86_400_000
    /// How far behind the newest event time an event may arrive and still update the windows:
    /// 6 hours. Later events are counted as late and used only to join labels.
    public var allowedLatenessMilliseconds: Int64 = 6 * 3_600_000
    /// How far after its receipt an event may claim to have happened (clock skew): 1 day. Later
    /// is an `invalid_timestamp` dead letter, so that one wrong clock cannot move event time.
    public var maximumFutureSkewMilliseconds: Int64 = 86_400_000
    /// How far beyond the newest event time so far an event may jump: 30 days. Further is an
    /// `invalid_timestamp` dead letter. Only when no receipt time is given: with one, the clock
    /// skew above is the guard.
    public var maximumForwardJumpMilliseconds: Int64 = 30 * 86_400_000
    /// How long a table visit waits for its feedback before it expires unlabelled: 7 days.
    public var labelHorizonMilliseconds: Int64 = 7 * 86_400_000
    /// Wait times seen at a restaurant before its 1.5 × IQR outlier fence applies.
    public var outlierMinimumSample = 50
    /// Pseudo-responses at the restaurant's mean that a staff member's satisfaction is shrunk
    /// towards (empirical-Bayes shrinkage against the few, extreme answers surveys get).
    public var satisfactionPriorWeight = 10.0
    /// HR events kept per restaurant to compute 90-day staff turnover.
    public var turnoverWindowDays = 90

    public init() {}
}
