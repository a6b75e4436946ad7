/// One staff member's (or one restaurant's) service on one local day: small fixed-width integer
/// counters (wait ratios in thousandths), so that 30 days fit in about 1.3 KiB and sums are exact
/// whatever the order of addition.
public struct DailyServiceBucket: Sendable, Hashable {
    public var day: Int32
    public var tables: UInt16 = 0
    public var covers: UInt16 = 0
    /// Σ round(1000 × wait / restaurant target) (winsorized waits).
    public var waitRatioMillis: Int32 = 0
    /// Tables per wait-ratio bin (see ``WaitHistogram``), saturating.
    public var waitHistogram = InlineArray<12, UInt16>(repeating: 0)
    public var itemsOrdered: UInt16 = 0
    public var itemsIncorrect: UInt16 = 0
    /// Σ of observed (not imputed) satisfaction scores.
    public var satisfactionSum: UInt16 = 0
    public var satisfactionCount: UInt16 = 0
    public var feedbackCount: UInt16 = 0
    /// Staff-attributable complaints, in ``ComplaintCategory/staffAttributable`` order.
    public var complaints = InlineArray<5, UInt16>(repeating: 0)
    public var repeatGuests: UInt16 = 0
    public var repeatKnown: UInt16 = 0

    /// Complaints come in clusters (one bad night brings several): the gap tests count at most
    /// this many complaints of a category a day (``WindowSummary/countedComplaints``).
    public static let complaintsCountedPerDay: UInt16 = 2

    public init(day: Int32) {
        self.day = day
    }

    /// The day's complaints of one staff category (by index) as the gap tests count them.
    public func countedComplaints(_ index: Int) -> Int { Int(min(complaints[index], Self.complaintsCountedPerDay)) }

    /// Equal days with equal counts (compared as the summaries they sum to).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.day == rhs.day && WindowSummary(lhs) == WindowSummary(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(day)
        hasher.combine(tables)
        hasher.combine(waitRatioMillis)
    }

    /// Counters saturate (at 65,535 a day, beyond any restaurant); below that the running window
    /// totals equal the sums of the buckets exactly.
    mutating func add(_ service: ServiceContribution) {
        if tables < .max { tables += 1 }
        covers = UInt16(clamping: Int(covers) + service.covers)
        waitRatioMillis = Int32(clamping: Int(waitRatioMillis) + service.waitRatioMillis)
        if waitHistogram[service.bin] < .max { waitHistogram[service.bin] += 1 }
        itemsOrdered = UInt16(clamping: Int(itemsOrdered) + service.itemsOrdered)
        itemsIncorrect = UInt16(clamping: Int(itemsIncorrect) + service.itemsIncorrect)
    }

    mutating func add(_ feedback: FeedbackContribution) {
        if feedbackCount < .max { feedbackCount += 1 }
        if let score = feedback.observedSatisfaction, satisfactionCount < .max {
            satisfactionSum = UInt16(clamping: Int(satisfactionSum) + score)
            satisfactionCount += 1
        }
        for index in feedback.complaintIndices where complaints[index] < .max { complaints[index] += 1 }
        if let repeatCustomer = feedback.repeatCustomer {
            if repeatKnown < .max { repeatKnown += 1 }
            if repeatCustomer && repeatGuests < .max { repeatGuests += 1 }
        }
    }
}

/// One table service as the windows count it.
struct ServiceContribution {
    var covers: Int
    var waitRatioMillis: Int
    var bin: Int
    var itemsOrdered: Int
    var itemsIncorrect: Int

    init(waitRatio: Double, covers: Int, itemsOrdered: Int, itemsIncorrect: Int) {
        self.covers = covers
        self.waitRatioMillis = Int((waitRatio * 1_000).rounded())
        self.bin = WaitHistogram.bin(waitRatio)
        self.itemsOrdered = itemsOrdered
        self.itemsIncorrect = itemsIncorrect
    }
}

/// One guest's feedback as the windows count it.
struct FeedbackContribution {
    var observedSatisfaction: Int?
    var complaintIndices: [Int]
    var repeatCustomer: Bool?
}

/// Wait-time histogram bins, as a ratio of the restaurant's target wait: the p90 of a window is
/// read from the summed histograms (linear within a bin), so windows stay additive.
public enum WaitHistogram {
    /// Upper edges of the first 11 bins; the 12th is open.
    public static let edges: [Double] = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0]

    @inline(__always)
    public static func bin(_ ratio: Double) -> Int {
        var index = 0
        while index < edges.count && ratio > edges[index] { index += 1 }
        return index
    }

    /// The q-quantile of summed bin counts (nil without tables).
    public static func quantile(_ q: Double, counts: [Int]) -> Double? {
        quantile(q, count: counts.count) { counts[$0] }
    }

    static func quantile(_ q: Double, count binCount: Int, _ bin: (Int) -> Int) -> Double? {
        var total = 0
        for index in 0..<binCount { total += bin(index) }
        guard total > 0 else { return nil }
        let target = q * Double(total)
        var cumulative = 0.0
        for index in 0..<binCount {
            let count = bin(index)
            let next = cumulative + Double(count)
            if next >= target && count > 0 {
                let lower = index == 0 ? 0 : edges[index - 1]
                let upper = index < edges.count ? edges[index] : edges[edges.count - 1] * 1.5
                return lower + (upper - lower) * (target - cumulative) / Double(count)
            }
            cumulative = next
        }
        return edges[edges.count - 1] * 1.5
    }
}

/// Sums of a window of daily buckets, and the features derived from them.
public struct WindowSummary: Sendable, Hashable {
    public var tables = 0
    public var covers = 0
    /// Σ wait ratios in thousandths.
    public var waitRatioMillis = 0
    /// Tables per wait-ratio bin.
    public var waitHistogram = InlineArray<12, Int>(repeating: 0)
    public var itemsOrdered = 0
    public var itemsIncorrect = 0
    public var satisfactionSum = 0
    public var satisfactionCount = 0
    public var feedbackCount = 0
    /// Staff-attributable complaints, in ``ComplaintCategory/staffAttributable`` order.
    public var complaints = InlineArray<5, Int>(repeating: 0)
    /// The same, at most ``DailyServiceBucket/complaintsCountedPerDay`` a day: what the gap tests count.
    public var countedComplaints = InlineArray<5, Int>(repeating: 0)
    public var repeatGuests = 0
    public var repeatKnown = 0

    public init() {}

    /// The summary of one day.
    public init(_ bucket: DailyServiceBucket) {
        add(bucket)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.tables == rhs.tables && lhs.covers == rhs.covers && lhs.waitRatioMillis == rhs.waitRatioMillis
            && (0..<12).allSatisfy { lhs.waitHistogram[$0] == rhs.waitHistogram[$0] } && lhs.itemsOrdered == rhs.itemsOrdered
            && lhs.itemsIncorrect == rhs.itemsIncorrect && lhs.satisfactionSum == rhs.satisfactionSum
            && lhs.satisfactionCount == rhs.satisfactionCount && lhs.feedbackCount == rhs.feedbackCount
            && (0..<5).allSatisfy { lhs.complaints[$0] == rhs.complaints[$0] && lhs.countedComplaints[$0] == rhs.countedComplaints[$0] }
            && lhs.repeatGuests == rhs.repeatGuests
            && lhs.repeatKnown == rhs.repeatKnown
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tables)
        hasher.combine(waitRatioMillis)
    }

    /// The histogram as an array, bin by bin.
    public var waitHistogramCounts: [Int] { (0..<12).map { waitHistogram[$0] } }
    /// The complaint counts as an array, in ``ComplaintCategory/staffAttributable`` order.
    public var complaintCounts: [Int] { (0..<5).map { complaints[$0] } }

    /// Adds a day's counts `times` times: 1 adds the day, -1 takes it out again (the sums are
    /// exact integers, so that leaves exactly the sum of the other days).
    public mutating func add(_ bucket: DailyServiceBucket, times: Int = 1) {
        tables += Int(bucket.tables) * times
        covers += Int(bucket.covers) * times
        waitRatioMillis += Int(bucket.waitRatioMillis) * times
        for index in 0..<12 { waitHistogram[index] += Int(bucket.waitHistogram[index]) * times }
        itemsOrdered += Int(bucket.itemsOrdered) * times
        itemsIncorrect += Int(bucket.itemsIncorrect) * times
        satisfactionSum += Int(bucket.satisfactionSum) * times
        satisfactionCount += Int(bucket.satisfactionCount) * times
        feedbackCount += Int(bucket.feedbackCount) * times
        for index in 0..<5 {
            complaints[index] += Int(bucket.complaints[index]) * times
            countedComplaints[index] += bucket.countedComplaints(index) * times
        }
        repeatGuests += Int(bucket.repeatGuests) * times
        repeatKnown += Int(bucket.repeatKnown) * times
    }

    mutating func add(_ service: ServiceContribution) {
        tables += 1
        covers += service.covers
        waitRatioMillis += service.waitRatioMillis
        waitHistogram[service.bin] += 1
        itemsOrdered += service.itemsOrdered
        itemsIncorrect += service.itemsIncorrect
    }

    /// Adds a feedback to the totals; `counted`: how much it raised each category's counted
    /// complaints on its day (0 once the day holds the most that count).
    mutating func add(_ feedback: FeedbackContribution, counted: InlineArray<5, Int>) {
        for index in 0..<5 { countedComplaints[index] += counted[index] }
        feedbackCount += 1
        if let score = feedback.observedSatisfaction {
            satisfactionSum += score
            satisfactionCount += 1
        }
        for index in feedback.complaintIndices { complaints[index] += 1 }
        if let repeatCustomer = feedback.repeatCustomer {
            repeatKnown += 1
            if repeatCustomer { repeatGuests += 1 }
        }
    }

    /// Σ wait ratios.
    public var waitRatioSum: Double { Double(waitRatioMillis) / 1_000 }
    public var waitRatioMean: Double? { tables > 0 ? Double(waitRatioMillis) / 1_000 / Double(tables) : nil }
    public var waitRatioP90: Double? { WaitHistogram.quantile(0.9, count: 12) { waitHistogram[$0] } }
    public var orderAccuracy: Double? { itemsOrdered > 0 ? 1 - Double(itemsIncorrect) / Double(itemsOrdered) : nil }
    /// Staff-attributable complaints per table served (the denominator is tables, not answers,
    /// so a server with few survey answers is not read as excellent or terrible).
    public func complaintRate(_ index: Int) -> Double? { tables > 0 ? Double(complaints[index]) / Double(tables) : nil }
    public var repeatShare: Double? { repeatKnown > 0 ? Double(repeatGuests) / Double(repeatKnown) : nil }

    /// Mean observed satisfaction shrunk towards `prior` with `priorWeight` pseudo-answers.
    public func shrunkSatisfaction(prior: Double, priorWeight: Double) -> Double {
        (Double(satisfactionSum) + prior * priorWeight) / (Double(satisfactionCount) + priorWeight)
    }
}

/// The daily buckets of the last 30 local days, oldest first, plus the last 50 services, and
/// running totals of the 7-, 14- and 30-day windows ending on the newest day, so that the
/// features of a visit cost O(1) instead of a pass over 30 buckets (and a window ending later,
/// the totals less the few days it no longer covers). The totals are derived (exact integer
/// sums of the buckets) and rebuilt whenever the newest day moves.
public struct ServiceWindows: Sendable, Hashable {
    public static let longDays: Int32 = 30
    public static let shortDays: Int32 = 7
    /// The middle window the gap tests also read, kept as a running total too.
    public static let middleDays: Int32 = 14
    public static let recentCapacity = 50

    public internal(set) var buckets: [DailyServiceBucket] = []
    /// Wait ratio and order accuracy of the most recent services, in thousandths, as a ring.
    public internal(set) var recentWaitRatioMillis: [Int32] = []
    public internal(set) var recentAccuracyMillis: [Int32] = []
    var recentNext = 0
    /// Running sums of the ring (exact integers, rebuilt from it after a restore).
    private var recentWaitRatioSum = 0
    private var recentAccuracySum = 0
    private var shortTotals = WindowSummary()
    private var middleTotals = WindowSummary()
    private var longTotals = WindowSummary()

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.buckets == rhs.buckets && lhs.recentWaitRatioMillis == rhs.recentWaitRatioMillis
            && lhs.recentAccuracyMillis == rhs.recentAccuracyMillis && lhs.recentNext == rhs.recentNext
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(buckets.count)
        hasher.combine(buckets.last)
    }

    /// The newest day with a bucket.
    public var newestDay: Int32? { buckets.last?.day }

    /// Applies `change` to the bucket of `day` (created, and days older than 30 dropped, as
    /// needed) and, through `total`, to the running totals that cover that day.
    private mutating func update(day: Int32, _ change: (inout DailyServiceBucket) -> Void, _ total: (inout WindowSummary) -> Void) {
        if let newest = buckets.last?.day, day <= newest {
            guard day > newest - Self.longDays else { return }  // older than every window
            if let index = buckets.lastIndex(where: { $0.day == day }) {
                change(&buckets[index])
            } else {
                var bucket = DailyServiceBucket(day: day)
                change(&bucket)
                buckets.insert(bucket, at: buckets.firstIndex { $0.day > day } ?? buckets.count)
            }
            total(&longTotals)
            if day > newest - Self.middleDays { total(&middleTotals) }
            if day > newest - Self.shortDays { total(&shortTotals) }
            return
        }
        var bucket = DailyServiceBucket(day: day)
        change(&bucket)
        buckets.append(bucket)
        let oldest = day - Self.longDays + 1
        if let first = buckets.first, first.day < oldest { buckets.removeAll { $0.day < oldest } }
        shortTotals = computeSummary(endingOn: day, days: Self.shortDays)
        middleTotals = computeSummary(endingOn: day, days: Self.middleDays)
        longTotals = computeSummary(endingOn: day, days: Self.longDays)
    }

    /// Adds one table service to its day (wait as a ratio of the restaurant's target) and to
    /// the last-50 ring.
    public mutating func addService(day: Int32, waitRatio: Double, covers: Int, itemsOrdered: Int, itemsIncorrect: Int) {
        let service = ServiceContribution(waitRatio: waitRatio, covers: covers, itemsOrdered: itemsOrdered, itemsIncorrect: itemsIncorrect)
        update(day: day, { $0.add(service) }, { $0.add(service) })
        recordService(waitRatio: waitRatio, accuracy: itemsOrdered > 0 ? 1 - Double(itemsIncorrect) / Double(itemsOrdered) : 1)
    }

    /// Adds one guest's feedback to a day: an observed score (imputed ones are not passed), the
    /// staff-attributable complaints by index in ``ComplaintCategory/staffAttributable``, and
    /// whether the guest was a repeat customer, if known.
    public mutating func addFeedback(day: Int32, observedSatisfaction: Int?, complaintIndices: [Int], repeatCustomer: Bool?) {
        let feedback = FeedbackContribution(observedSatisfaction: observedSatisfaction, complaintIndices: complaintIndices, repeatCustomer: repeatCustomer)
        var counted = InlineArray<5, Int>(repeating: 0)
        update(
            day: day,
            { bucket in
                for index in 0..<5 { counted[index] = -bucket.countedComplaints(index) }
                bucket.add(feedback)
                for index in 0..<5 { counted[index] += bucket.countedComplaints(index) }
            }, { $0.add(feedback, counted: counted) })
    }

    mutating func recordService(waitRatio: Double, accuracy: Double) {
        let wait = Int32(clamping: Int((waitRatio * 1_000).rounded()))
        let accurate = Int32(clamping: Int((accuracy * 1_000).rounded()))
        if recentWaitRatioMillis.count < Self.recentCapacity {
            recentWaitRatioMillis.append(wait)
            recentAccuracyMillis.append(accurate)
        } else {
            recentWaitRatioSum -= Int(recentWaitRatioMillis[recentNext])
            recentAccuracySum -= Int(recentAccuracyMillis[recentNext])
            recentWaitRatioMillis[recentNext] = wait
            recentAccuracyMillis[recentNext] = accurate
            recentNext = (recentNext + 1) % Self.recentCapacity
        }
        recentWaitRatioSum += Int(wait)
        recentAccuracySum += Int(accurate)
    }

    /// Rebuilds the running totals from the buckets and the ring (after a restore).
    mutating func rebuildTotals() {
        recentWaitRatioSum = recentWaitRatioMillis.reduce(0) { $0 + Int($1) }
        recentAccuracySum = recentAccuracyMillis.reduce(0) { $0 + Int($1) }
        guard let newest = buckets.last?.day else { return }
        shortTotals = computeSummary(endingOn: newest, days: Self.shortDays)
        middleTotals = computeSummary(endingOn: newest, days: Self.middleDays)
        longTotals = computeSummary(endingOn: newest, days: Self.longDays)
    }

    /// The sums over the `days` local days ending with `day`. For a window of running totals
    /// (7, 14 or 30 days) ending on or after the newest day: the totals, less the days that the
    /// later window no longer covers (colleagues who have not served yet today are read this
    /// way at every assessment); else a pass over the buckets.
    public func summary(endingOn day: Int32, days: Int32) -> WindowSummary {
        guard let newest = buckets.last?.day, day >= newest else { return computeSummary(endingOn: day, days: days) }
        var summary: WindowSummary
        switch days {
        case Self.shortDays: summary = shortTotals
        case Self.middleDays: summary = middleTotals
        case Self.longDays: summary = longTotals
        default: return computeSummary(endingOn: day, days: days)
        }
        guard day > newest else { return summary }
        let first = day - days + 1
        for bucket in buckets {
            guard bucket.day < first else { break }
            if bucket.day > newest - days { summary.add(bucket, times: -1) }
        }
        return summary
    }

    /// Reads windows that an object keeps in a property where they are. Read through the
    /// property (`staff.windows.summary(...)`), the windows are first copied out of the object
    /// (their arrays retained and released, some 800 bytes moved): for every colleague and window
    /// at every assessment, and twice for every table's features, that copy cost more than the
    /// reading. Nothing is written: `inout` only lends the windows without a copy.
    static func read<Result>(inPlace windows: inout ServiceWindows, _ body: (inout ServiceWindows) -> Result) -> Result { body(&windows) }

    func computeSummary(endingOn day: Int32, days: Int32) -> WindowSummary {
        var summary = WindowSummary()
        let first = day - days + 1
        for bucket in buckets where bucket.day >= first && bucket.day <= day { summary.add(bucket) }
        return summary
    }

    /// The 7- and 30-day summaries ending on `day` and the last-50 means, in one call (a staff
    /// member's are read in place through ``StaffState/featureInputs(day:)``).
    public func featureInputs(day: Int32) -> (short: WindowSummary, long: WindowSummary, recentWaitRatio: Double?, recentAccuracy: Double?) {
        (summary(endingOn: day, days: Self.shortDays), summary(endingOn: day, days: Self.longDays), recentWaitRatioMean, recentAccuracyMean)
    }

    /// The mean wait ratio of the last (up to) 50 services.
    public var recentWaitRatioMean: Double? {
        recentWaitRatioMillis.isEmpty ? nil : Double(recentWaitRatioSum) / 1_000 / Double(recentWaitRatioMillis.count)
    }

    /// The mean order accuracy of the last (up to) 50 services.
    public var recentAccuracyMean: Double? {
        recentAccuracyMillis.isEmpty ? nil : Double(recentAccuracySum) / 1_000 / Double(recentAccuracyMillis.count)
    }

    /// Bytes of state, for the memory budget.
    public var byteSize: Int {
        MemoryLayout<ServiceWindows>.size + buckets.capacity * MemoryLayout<DailyServiceBucket>.stride
            + (recentWaitRatioMillis.capacity + recentAccuracyMillis.capacity) * 4 + 3 * 32
    }
}
