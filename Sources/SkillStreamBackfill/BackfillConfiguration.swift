import SkillStreamDomain

/// The settings of a backfill, with their documented defaults: how dates without a time or an
/// offset are placed, and the values of fields a spreadsheet does not give.
public struct BackfillConfiguration: Sendable, Hashable {
    /// The UTC offset, in minutes, of dates and times written without one: −300 (−05:00,
    /// America/Lima, which has no daylight saving time).
    public var utcOffsetMinutes = -300
    /// The local time, in minutes after midnight, given to a date written without a time:
    /// 1 200 (20:00, dinner service).
    public var defaultLocalTimeMinutes = 20 * 60
    /// The IANA time zone sent in `ref.restaurant.v1`: America/Lima.
    public var timezone = "America/Lima"
    /// The city sent in `ref.restaurant.v1` when the file has no City column or the cell is
    /// blank: Lima.
    public var defaultCity = "Lima"
    /// The target wait (seated to first course) sent in `ref.restaurant.v1` when the file has no
    /// Target_Wait_Time column or the cell is blank: 900 s.
    public var defaultTargetWaitSeconds = 900.0
    /// Items on the period's average table when the file has no Items_Ordered column or the cell
    /// is blank: 100, so that the order accuracy survives to the percent.
    public var defaultItemsOrdered = 100
    /// Covers (guests) on the period's average table when the file has no Covers column or the
    /// cell is blank: 2.
    public var defaultCovers = 2
    /// Time from the first course to the check closing on the period's average table, which
    /// places `seated_at` before `occurred_at`: 3 600 s.
    public var mealDurationSeconds = 3_600.0
    /// The restaurant of every row when the file has no restaurant column (a single restaurant's
    /// export) or the cell is blank; nil (the default) makes the column required.
    public var defaultRestaurantID: String?

    /// The defaults.
    public init() {}

    /// The offset as RFC 3339 writes it (`-05:00`).
    var utcOffsetText: String {
        let magnitude = abs(utcOffsetMinutes)
        return (utcOffsetMinutes < 0 ? "-" : "+") + CellParser.twoDigits(magnitude / 60) + ":" + CellParser.twoDigits(magnitude % 60)
    }

    /// Refuses settings that would make every row fail.
    func validate() throws(BackfillError) {
        let maximumOffset = 23 * 60 + 59
        let problems = [
            (-maximumOffset...maximumOffset).contains(utcOffsetMinutes) ? nil : "the UTC offset \(utcOffsetMinutes) min is outside ±23:59",
            (0..<(24 * 60)).contains(defaultLocalTimeMinutes) ? nil : "the default local time \(defaultLocalTimeMinutes) min is not a time of day",
            (1...1_000).contains(defaultCovers) ? nil : "the default covers \(defaultCovers) is outside 1…1000",
            (0...10_000).contains(defaultItemsOrdered) ? nil : "the default items ordered \(defaultItemsOrdered) is outside 0…10000",
            (1...EventDecoder.maximumWaitSeconds).contains(defaultTargetWaitSeconds)
                ? nil : "the default target wait \(defaultTargetWaitSeconds) s is outside 1…\(EventDecoder.maximumWaitSeconds)",
            mealDurationSeconds >= 0 ? nil : "the meal duration \(mealDurationSeconds) s is negative",
            CellParser.isBlank(defaultCity) || CellParser.isBlank(timezone) ? "the default city and the time zone must not be blank" : nil,
            defaultRestaurantID.map(CellParser.isBlank) == true ? "the default restaurant must not be blank" : nil,
        ]
        if let problem = problems.compactMap({ $0 }).first { throw BackfillError(.invalidConfiguration, problem) }
    }
}
