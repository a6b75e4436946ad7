/// What a spreadsheet export holds, which decides the events its rows become (the
/// `--kind` of `skillstream backfill`).
public enum BackfillKind: String, Sendable, Hashable, CaseIterable {
    /// One guest's survey answer per row → `survey.guest_feedback.v1`.
    case feedback
    /// One staff member's averages over a period per row → `pos.table_service.v1`, plus
    /// `ref.restaurant.v1` when the restaurant's standards are given and change.
    case staffPerformance = "staff-performance"
    /// One staff member's enrolment in a training program per row, with its completion when
    /// given → `hr.staff_event.v1`.
    case training
}
