/// One staff member's (or one restaurant's) service on one local day: small fixed-width counters,
/// so that 30 days of them fit in about 1.5 KiB.
public struct DailyServiceBucket: Sendable, Hashable {
    public var day: Int32
    public var tables: UInt16 = 0
    public var covers: UInt16 = 0
    /// Σ wait / restaurant target wait (winsorized waits).
    public var waitRatioSum: Float = 0
    /// Tables per wait-ratio bin (see ``WaitHistogram``), saturating.
    public var waitHistogram = InlineArray<12, UInt8>(repeating: 0)
    public var itemsOrdered: UInt16 = 0
    public var itemsIncorrect: UInt16 = 0
    /// Observed (not imputed) satisfaction scores.
    public var satisfactionSum: Float = 0
    public var satisfactionCount: UInt16 = 0
    public var feedbackCount: UInt16 = 0
    /// Staff-attributable complaints, in ``ComplaintCategory/staffAttributable`` order.
    public var complaints = InlineArray<5, UInt8>(repeating: 0)
    public var repeatGuests: UInt8 = 0
    public var repeatKnown: UInt8 = 0

    public init(day: Int32) {
        self.day = day
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.day == rhs.day && lhs.tables == rhs.tables && lhs.covers == rhs.covers && lhs.waitRatioSum == rhs.waitRatioSum
            && (0..<12).allSatisfy { lhs.waitHistogram[$0] == rhs.waitHistogram[$0] } && lhs.itemsOrdered == rhs.itemsOrdered
            && lhs.itemsIncorrect == rhs.itemsIncorrect && lhs.satisfactionSum == rhs.satisfactionSum
            && lhs.satisfactionCount == rhs.satisfactionCount && lhs.feedbackCount == rhs.feedbackCount
            && (0..<5).allSatisfy { lhs.complaints[$0] == rhs.complaints[$0] } && lhs.repeatGuests == rhs.repeatGuests
            && lhs.repeatKnown == rhs.repeatKnown
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(day)
        hasher.combine(tables)
        hasher.combine(waitRatioSum)
    }
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
    public var waitRatioSum = 0.0
    /// Tables per wait-ratio bin.
    public var waitHistogram = InlineArray<12, Int>(repeating: 0)
    public var itemsOrdered = 0
    public var itemsIncorrect = 0
    public var satisfactionSum = 0.0
    public var satisfactionCount = 0
    public var feedbackCount = 0
    /// Staff-attributable complaints, in ``ComplaintCategory/staffAttributable`` order.
    public var complaints = InlineArray<5, Int>(repeating: 0)
    public var repeatGuests = 0
    public var repeatKnown = 0

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.tables == rhs.tables && lhs.covers == rhs.covers && lhs.waitRatioSum == rhs.waitRatioSum
            && (0..<12).allSatisfy { lhs.waitHistogram[$0] == rhs.waitHistogram[$0] } && lhs.itemsOrdered == rhs.itemsOrdered
            && lhs.itemsIncorrect == rhs.itemsIncorrect && lhs.satisfactionSum == rhs.satisfactionSum
            && lhs.satisfactionCount == rhs.satisfactionCount && lhs.feedbackCount == rhs.feedbackCount
            && (0..<5).allSatisfy { lhs.complaints[$0] == rhs.complaints[$0] } && lhs.repeatGuests == rhs.repeatGuests
            && lhs.repeatKnown == rhs.repeatKnown
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tables)
        hasher.combine(waitRatioSum)
    }

    /// The histogram as an array, bin by bin.
    public var waitHistogramCounts: [Int] { (0..<12).map { waitHistogram[$0] } }
    /// The complaint counts as an array, in ``ComplaintCategory/staffAttributable`` order.
    public var complaintCounts: [Int] { (0..<5).map { complaints[$0] } }

    public mutating func add(_ bucket: DailyServiceBucket) {
        tables += Int(bucket.tables)
        covers += Int(bucket.covers)
        waitRatioSum += Double(bucket.waitRatioSum)
        for index in 0..<12 { waitHistogram[index] += Int(bucket.waitHistogram[index]) }
        itemsOrdered += Int(bucket.itemsOrdered)
        itemsIncorrect += Int(bucket.itemsIncorrect)
        satisfactionSum += Double(bucket.satisfactionSum)
        satisfactionCount += Int(bucket.satisfactionCount)
        feedbackCount += Int(bucket.feedbackCount)
        for index in 0..<5 { complaints[index] += Int(bucket.complaints[index]) }
        repeatGuests += Int(bucket.repeatGuests)
        repeatKnown += Int(bucket.repeatKnown)
    }

    public var waitRatioMean: Double? { tables > 0 ? waitRatioSum / Double(tables) : nil }
    public var waitRatioP90: Double? { WaitHistogram.quantile(0.9, count: 12) { waitHistogram[$0] } }
    public var orderAccuracy: Double? { itemsOrdered > 0 ? 1 - Double(itemsIncorrect) / Double(itemsOrdered) : nil }
    /// Staff-attributable complaints per table served (the denominator is tables, not answers,
    /// so a server with few survey answers is not read as excellent or terrible).
    public func complaintRate(_ index: Int) -> Double? { tables > 0 ? Double(complaints[index]) / Double(tables) : nil }
    public var repeatShare: Double? { repeatKnown > 0 ? Double(repeatGuests) / Double(repeatKnown) : nil }

    /// Mean observed satisfaction shrunk towards `prior` with `priorWeight` pseudo-answers.
    public func shrunkSatisfaction(prior: Double, priorWeight: Double) -> Double {
        (satisfactionSum + prior * priorWeight) / (Double(satisfactionCount) + priorWeight)
    }
}

/// The daily buckets of the last 30 local days, oldest first, plus the last 50 services.
public struct ServiceWindows: Sendable, Hashable {
    public static let longDays: Int32 = 30
    public static let shortDays: Int32 = 7
    public static let recentCapacity = 50

    public internal(set) var buckets: [DailyServiceBucket] = []
    /// Wait ratio and order accuracy of the most recent services, as a ring.
    public internal(set) var recentWaitRatios: [Float] = []
    public internal(set) var recentAccuracies: [Float] = []
    var recentNext = 0

    public init() {}

    /// The bucket of `day`, created (and days older than 30 dropped) as needed.
    @inline(__always)
    mutating func withBucket(day: Int32, _ body: (inout DailyServiceBucket) -> Void) {
        if let last = buckets.indices.last, buckets[last].day == day {
            body(&buckets[last])
            return
        }
        if let index = buckets.lastIndex(where: { $0.day == day }) {
            body(&buckets[index])
            return
        }
        guard buckets.last.map({ day > $0.day }) ?? true else {
            // An older day that has no bucket (late, but within the allowed lateness).
            guard let newest = buckets.last?.day, day > newest - Self.longDays else { return }
            var bucket = DailyServiceBucket(day: day)
            body(&bucket)
            let index = buckets.firstIndex { $0.day > day } ?? buckets.count
            buckets.insert(bucket, at: index)
            return
        }
        var bucket = DailyServiceBucket(day: day)
        body(&bucket)
        buckets.append(bucket)
        let oldest = day - Self.longDays + 1
        if let first = buckets.first, first.day < oldest { buckets.removeAll { $0.day < oldest } }
    }

    mutating func recordService(waitRatio: Double, accuracy: Double) {
        if recentWaitRatios.count < Self.recentCapacity {
            recentWaitRatios.append(Float(waitRatio))
            recentAccuracies.append(Float(accuracy))
        } else {
            recentWaitRatios[recentNext] = Float(waitRatio)
            recentAccuracies[recentNext] = Float(accuracy)
            recentNext = (recentNext + 1) % Self.recentCapacity
        }
    }

    /// Adds one table service to its day (wait as a ratio of the restaurant's target) and to
    /// the last-50 ring.
    public mutating func addService(day: Int32, waitRatio: Double, covers: Int, itemsOrdered: Int, itemsIncorrect: Int) {
        withBucket(day: day) { bucket in
            bucket.tables &+= 1
            bucket.covers = UInt16(clamping: Int(bucket.covers) + covers)
            bucket.waitRatioSum += Float(waitRatio)
            let bin = WaitHistogram.bin(waitRatio)
            if bucket.waitHistogram[bin] < .max { bucket.waitHistogram[bin] += 1 }
            bucket.itemsOrdered = UInt16(clamping: Int(bucket.itemsOrdered) + itemsOrdered)
            bucket.itemsIncorrect = UInt16(clamping: Int(bucket.itemsIncorrect) + itemsIncorrect)
        }
        recordService(waitRatio: waitRatio, accuracy: itemsOrdered > 0 ? 1 - Double(itemsIncorrect) / Double(itemsOrdered) : 1)
    }

    /// Adds one guest's feedback to a day: an observed score (imputed ones are not passed), the
    /// staff-attributable complaints by index in ``ComplaintCategory/staffAttributable``, and
    /// whether the guest was a repeat customer, if known.
    public mutating func addFeedback(day: Int32, observedSatisfaction: Int?, complaintIndices: [Int], repeatCustomer: Bool?) {
        withBucket(day: day) { bucket in
            bucket.feedbackCount &+= 1
            if let observedSatisfaction {
                bucket.satisfactionSum += Float(observedSatisfaction)
                bucket.satisfactionCount &+= 1
            }
            for index in complaintIndices where bucket.complaints[index] < .max { bucket.complaints[index] += 1 }
            if let repeatCustomer {
                if bucket.repeatKnown < .max { bucket.repeatKnown += 1 }
                if repeatCustomer && bucket.repeatGuests < .max { bucket.repeatGuests += 1 }
            }
        }
    }

    /// The sums over the `days` local days ending with `day`.
    public func summary(endingOn day: Int32, days: Int32) -> WindowSummary {
        var summary = WindowSummary()
        let first = day - days + 1
        for bucket in buckets where bucket.day >= first && bucket.day <= day { summary.add(bucket) }
        return summary
    }

    public var recentWaitRatioMean: Double? {
        recentWaitRatios.isEmpty ? nil : Double(recentWaitRatios.reduce(0, +)) / Double(recentWaitRatios.count)
    }

    public var recentAccuracyMean: Double? {
        recentAccuracies.isEmpty ? nil : Double(recentAccuracies.reduce(0, +)) / Double(recentAccuracies.count)
    }

    /// Bytes of state, for the memory budget.
    public var byteSize: Int {
        MemoryLayout<ServiceWindows>.size + buckets.capacity * MemoryLayout<DailyServiceBucket>.stride
            + (recentWaitRatios.capacity + recentAccuracies.capacity) * 4 + 3 * 32
    }
}
