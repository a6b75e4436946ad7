import SkillStreamDomain

/// Everything that shapes a simulated world, with the defaults `skillstream simulate` uses.
/// The same configuration (seed included) always gives the same records, byte for byte.
public struct SimulationConfiguration: Sendable, Hashable {
    public var seed: UInt64 = 1
    public var restaurants = 12
    public var staffPerRestaurant = 25
    public var days = 90
    /// The first simulated day, in local time (America/Lima, UTC−05:00).
    public var startDay = SimulationCalendar.day(year: 2026, month: 6, day: 1)
    /// Share of staff given one or two planted weak skills at a chosen time.
    public var weakStaffShare = 0.25
    /// Latent skill level below which a skill is weak (0–1), in the ground truth.
    public var weakLevel = 0.5
    /// Share of restaurants whose kitchen has a bad month (food complaints, lower scores for everyone).
    public var kitchenIncidentShare = 0.25
    /// Multiplies every guest's chance of answering the survey.
    public var feedbackRate = 1.0
    /// Chance per staff member and day of leaving (replaced by a new hire days later).
    public var dailyTurnover = 0.0015
    /// Chance per staff member and day of being enrolled in a training program by the restaurant.
    public var dailyTrainingEnrolment = 0.004
    /// Chances per event of the faults a real pipeline sees.
    public var faults = Faults()

    /// Faults injected on demand, each a chance per generated event.
    public struct Faults: Sendable, Hashable {
        /// Sent again, up to three hours later.
        public var duplicate = 0.005
        /// Delayed up to 45 minutes behind later events.
        public var outOfOrder = 0.01
        /// Delayed 8 to 48 hours: later than the processor's allowed lateness.
        public var late = 0.002
        /// Replaced by a malformed message (bad JSON, wrong type, out of range, oversize, invalid UTF-8, missing field, a NUL in a text).
        public var malformed = 0.002

        public init() {}

        /// No faults at all.
        public static let none: Faults = {
            var faults = Faults()
            faults.duplicate = 0
            faults.outOfOrder = 0
            faults.late = 0
            faults.malformed = 0
            return faults
        }()
    }

    public init() {}

    /// What is out of range, if anything.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if restaurants < 1 || restaurants > 10_000 { problems.append("restaurants must be 1…10000") }
        if staffPerRestaurant < 2 || staffPerRestaurant > 1_000 { problems.append("staff per restaurant must be 2…1000") }
        if days < 1 || days > 3_650 { problems.append("days must be 1…3650") }
        for (name, share) in [
            ("weak staff share", weakStaffShare), ("kitchen incident share", kitchenIncidentShare), ("daily turnover", dailyTurnover),
            ("daily training enrolment", dailyTrainingEnrolment), ("duplicate rate", faults.duplicate), ("out-of-order rate", faults.outOfOrder),
            ("late rate", faults.late), ("malformed rate", faults.malformed), ("weak level", weakLevel),
        ] where !(0...1).contains(share) {
            problems.append("\(name) must be within 0…1")
        }
        if !(0...10).contains(feedbackRate) { problems.append("feedback rate must be within 0…10") }
        return problems
    }
}

/// Local days and times in Peru (UTC−05:00 all year, no daylight saving).
public enum SimulationCalendar {
    public static let utcOffsetMinutes: Int16 = -300
    public static let millisecondsPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 of a civil date.
    public static func day(year: Int, month: Int, day: Int) -> Int32 {
        Int32(EventTime.daysFromCivil(year: year, month: month, day: day))
    }

    /// Month and day of a day number.
    public static func monthAndDay(_ day: Int32) -> (month: Int, day: Int) {
        let civil = EventTime.civil(fromDays: Int(day))
        return (civil.month, civil.day)
    }

    /// 0 = Sunday … 6 = Saturday.
    public static func weekday(_ day: Int32) -> Int { (Int(day) % 7 + 11) % 7 }

    /// National holidays that fill restaurants: Fiestas Patrias (28–29 July), Christmas Eve and
    /// Day, New Year's Eve and Day.
    public static func isHoliday(_ day: Int32) -> Bool {
        switch monthAndDay(day) {
        case (7, 28), (7, 29), (12, 24), (12, 25), (12, 31), (1, 1): true
        default: false
        }
    }

    /// The instant `minutes` after local midnight of `day`, to the second (as POS clocks send).
    public static func time(day: Int32, minutes: Double) -> EventTime {
        let utc = Int64(day) * millisecondsPerDay + Int64((minutes * 60).rounded()) * 1_000 - Int64(utcOffsetMinutes) * 60_000
        return EventTime(millisecondsSinceEpoch: utc, offsetMinutes: utcOffsetMinutes)
    }
}
