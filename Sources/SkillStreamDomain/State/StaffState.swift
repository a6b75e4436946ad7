import SkillStreamLearning

/// Everything SkillStream keeps about one staff member: HR facts and service windows. A class,
/// so that the partition updates it in place; owned by one ``PartitionState``.
public final class StaffState {
    /// A completed training.
    public struct CompletedTraining: Sendable, Hashable {
        public var programID: String
        public var completedAt: EventTime
        public var assessmentScore: Double?

        public init(programID: String, completedAt: EventTime, assessmentScore: Double?) {
            self.programID = programID
            self.completedAt = completedAt
            self.assessmentScore = assessmentScore
        }
    }

    public var staffID: String
    public var restaurantID: String
    /// The role, as the newest-dated HR record that states one says (see ``setRole(_:at:)``).
    public private(set) var role: Role?
    /// The event time of the HR record that set ``role``.
    public private(set) var roleSetAt: EventTime?
    public var hiredAt: EventTime?
    public var terminatedAt: EventTime?
    /// Programs enrolled in and not completed yet.
    public var enrolledPrograms: [String] = []
    /// The most recent completions (at most ``StaffState/trainingHistoryLimit``).
    public var completedTrainings: [CompletedTraining] = []
    public var windows = ServiceWindows()
    /// The first service or hire seen, for tenure when no hire event exists.
    public var firstSeen: EventTime?

    public static let trainingHistoryLimit = 10

    /// ``ServiceWindows/summary(endingOn:days:)`` of ``windows``, read in place
    /// (``ServiceWindows/read(inPlace:_:)``).
    public func summary(endingOn day: Int32, days: Int32) -> WindowSummary {
        ServiceWindows.read(inPlace: &windows) { $0.summary(endingOn: day, days: days) }
    }

    /// ``ServiceWindows/featureInputs(day:)`` of ``windows``, read in place.
    func featureInputs(day: Int32) -> (short: WindowSummary, long: WindowSummary, recentWaitRatio: Double?, recentAccuracy: Double?) {
        ServiceWindows.read(inPlace: &windows) { $0.featureInputs(day: day) }
    }

    public init(staffID: String, restaurantID: String) {
        self.staffID = staffID
        self.restaurantID = restaurantID
    }

    /// Takes the role an HR record dated `time` states, unless a newer-dated record already set
    /// one: HR records arrive out of order and are sent again, and an old one must not undo a
    /// promotion.
    public func setRole(_ role: Role?, at time: EventTime) {
        if let roleSetAt, time.millisecondsSinceEpoch < roleSetAt.millisecondsSinceEpoch { return }
        self.role = role
        roleSetAt = time
    }

    /// Restores the role and when it was set, from a snapshot.
    func restoreRole(_ role: Role?, setAt time: EventTime?) {
        self.role = role
        roleSetAt = time
    }

    /// Days since the hire (or first sighting) at `time`.
    public func tenureDays(at time: EventTime) -> Double {
        guard let start = hiredAt ?? firstSeen else { return 0 }
        return max(0, Double(time.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 86_400_000)
    }

    /// When they stop settling in, in the hire's local time: `days` after the hire, or after they
    /// were first seen at work if that was earlier. A hire record re-sent later with a later
    /// date makes nobody new again, and neither does a return after a departure: both have been
    /// seen long before. Without a hire event nobody is taken for new (nil).
    public func settlingInEnds(days: Int64) -> EventTime? {
        guard let hired = hiredAt else { return nil }
        let start = min(hired.millisecondsSinceEpoch, firstSeen?.millisecondsSinceEpoch ?? hired.millisecondsSinceEpoch)
        return EventTime(millisecondsSinceEpoch: start + days * 86_400_000, offsetMinutes: hired.offsetMinutes)
    }

    /// Days since the last completed training at `time`; nil if none.
    public func daysSinceLastTraining(at time: EventTime) -> Double? {
        completedTrainings.last.map { max(0, Double(time.millisecondsSinceEpoch - $0.completedAt.millisecondsSinceEpoch) / 86_400_000) }
    }

    /// Bytes of state, for the memory budget (strings at their UTF-8 length plus overhead).
    public var byteSize: Int {
        48 + windows.byteSize + staffID.utf8.count + restaurantID.utf8.count
            + enrolledPrograms.reduce(0) { $0 + 16 + $1.utf8.count } + completedTrainings.count * (MemoryLayout<CompletedTraining>.stride + 16)
    }
}

/// What SkillStream keeps about one restaurant: its reference data, the running statistics that
/// cleansing needs (satisfaction mean for imputation, wait-time quartiles for the outlier fence),
/// peer windows for benchmarks, and HR events for turnover. A class, updated in place; owned
/// by one ``PartitionState``.
public final class RestaurantState {
    public var restaurantID: String
    public var reference: RestaurantReference?
    /// Observed satisfaction scores: sum and count (the imputation mean).
    public var satisfactionSum = 0.0
    public var satisfactionCount = 0
    /// Streaming quartiles of raw wait time, for the 1.5 × IQR fence.
    public var waitQuartiles = QuartileEstimate()
    /// All staff together, for peer means and restaurant-wide dips.
    public var windows = ServiceWindows()
    /// Hire and departure times within the turnover window, oldest first.
    public var departures: [EventTime] = []
    /// The staff working here now: hired, or seen serving, and not departed since. Employment
    /// comes from HR records: a table of someone who has left (sent late, or served after a
    /// departure with no new hire record yet) brings nobody back.
    public var activeStaff = Set<String>()

    public init(restaurantID: String) {
        self.restaurantID = restaurantID
    }

    /// ``ServiceWindows/summary(endingOn:days:)`` of all staff's ``windows``, read in place
    /// (``ServiceWindows/read(inPlace:_:)``).
    public func summary(endingOn day: Int32, days: Int32) -> WindowSummary {
        ServiceWindows.read(inPlace: &windows) { $0.summary(endingOn: day, days: days) }
    }

    /// The satisfaction used to impute missing scores and as the shrinkage prior: the observed
    /// mean, or the middle of the scale before any answer.
    public var satisfactionMean: Double { satisfactionCount > 0 ? satisfactionSum / Double(satisfactionCount) : 3 }

    /// The target wait, from the reference (15 minutes until one arrives).
    public var targetWaitSeconds: Double { reference?.targetWaitTimeSeconds ?? 900 }

    /// Departures in the turnover window per active staff member.
    public func turnoverRate(at time: EventTime, windowDays: Int) -> Double {
        let from = time.millisecondsSinceEpoch - Int64(windowDays) * 86_400_000
        var recent = 0
        for departure in departures where departure.millisecondsSinceEpoch >= from { recent += 1 }
        return Double(recent) / Double(max(1, activeStaff.count))
    }
}

/// First and third quartile of a stream (two P² estimators), with the number of values seen.
public struct QuartileEstimate: Sendable, Hashable {
    public private(set) var lower = StreamingQuantile(quantile: 0.25)
    public private(set) var upper = StreamingQuantile(quantile: 0.75)

    public init() {}

    init(lower: StreamingQuantile, upper: StreamingQuantile) {
        self.lower = lower
        self.upper = upper
    }

    public mutating func update(_ value: Double) {
        lower.update(value)
        upper.update(value)
    }

    public var count: Int { lower.count }

    /// The 1.5 × IQR fence, once `minimumSample` values were seen.
    public func fence(minimumSample: Int) -> ClosedRange<Double>? {
        guard count >= minimumSample, let q1 = lower.value, let q3 = upper.value, q3 >= q1 else { return nil }
        let spread = 1.5 * (q3 - q1)
        return (q1 - spread)...(q3 + spread)
    }
}
