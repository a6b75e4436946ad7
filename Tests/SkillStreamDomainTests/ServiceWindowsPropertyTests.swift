import PropertyBased
import Testing

@testable import SkillStreamDomain

/// Window math against a naive recomputation from the raw services.
@Suite struct ServiceWindowsPropertyTests {
    struct Service: Sendable {
        var day: Int32
        var ratio: Double
        var ordered: Int
        var incorrect: Int
    }

    static let services = zip(Gen.int(in: 0...45), Gen.double(in: 0...5), Gen.int(in: 0...12), Gen.int(in: 0...12))
        .map { day, ratio, ordered, incorrect in Service(day: Int32(day), ratio: ratio, ordered: ordered, incorrect: min(incorrect, ordered)) }
        .array(of: 1...120)

    @Test func windowSumsEqualANaiveRecomputation() async {
        await propertyCheck(count: 200, input: Self.services) { raw in
            // Services arrive in day order, as the processor applies on-time events.
            let services = raw.sorted { $0.day < $1.day }
            var windows = ServiceWindows()
            for service in services {
                windows.addService(day: service.day, waitRatio: service.ratio, covers: 2, itemsOrdered: service.ordered, itemsIncorrect: service.incorrect)
            }
            let newest = services.last!.day
            for days in [ServiceWindows.shortDays, ServiceWindows.middleDays, ServiceWindows.longDays] {
                let expected = services.filter { $0.day > newest - days }
                let summary = windows.summary(endingOn: newest, days: days)
                #expect(summary.tables == expected.count)
                #expect(summary.itemsOrdered == expected.reduce(0) { $0 + $1.ordered })
                #expect(summary.itemsIncorrect == expected.reduce(0) { $0 + $1.incorrect })
                #expect(summary.waitRatioMillis == expected.reduce(0) { $0 + Int(($1.ratio * 1_000).rounded()) })
                #expect(summary == windows.computeSummary(endingOn: newest, days: days), "running totals equal a pass over the buckets")
                var histogram = [Int](repeating: 0, count: 12)
                for service in expected { histogram[WaitHistogram.bin(service.ratio)] += 1 }
                #expect(summary.waitHistogramCounts == histogram)
                #expect(summary.waitRatioP90 == WaitHistogram.quantile(0.9, counts: histogram))
            }
            #expect(windows.buckets.allSatisfy { $0.day > newest - ServiceWindows.longDays }, "days older than 30 are dropped")
            #expect(windows.recentWaitRatioMillis.count == min(services.count, ServiceWindows.recentCapacity))
            let lastFifty = services.suffix(ServiceWindows.recentCapacity).reduce(0) { $0 + Int(($1.ratio * 1_000).rounded()) }
            #expect(windows.recentWaitRatioMean! == Double(lastFifty) / 1_000 / Double(min(services.count, 50)))
        }
    }

    /// Late events update older days: the running totals of every window still equal a pass over
    /// the buckets, whatever order the services arrive in, and so do the windows ending on later
    /// days (read from the totals less the days they no longer cover).
    @Test func runningTotalsHoldWhateverTheArrivalOrder() async {
        await propertyCheck(count: 200, input: Self.services) { services in
            var windows = ServiceWindows()
            for service in services {
                windows.addService(day: service.day, waitRatio: service.ratio, covers: 2, itemsOrdered: service.ordered, itemsIncorrect: service.incorrect)
            }
            let newest = services.map(\.day).max()!
            for days in [ServiceWindows.shortDays, ServiceWindows.middleDays, ServiceWindows.longDays] {
                let summary = windows.summary(endingOn: newest, days: days)
                #expect(summary == windows.computeSummary(endingOn: newest, days: days), "running totals equal a pass over the buckets")
                #expect(summary.tables == services.filter { $0.day > newest - days }.count, "no service within 30 days of the newest is lost")
                for later in [newest + 1, newest + 3, newest + 8, newest + 29, newest + 31] {
                    #expect(windows.summary(endingOn: later, days: days) == windows.computeSummary(endingOn: later, days: days), "\(days) days to \(later)")
                }
            }
        }
    }

    static let complaints = zip(Gen.int(in: 0...45), Gen.int(in: 0...4)).array(of: 1...80)

    /// Complaints arriving in any order: each day counts at most two of a category, in the
    /// running totals as in a pass over the buckets, and every complaint is still in the raw count.
    @Test func countedComplaintsAreAtMostTwoADayWhateverTheArrivalOrder() async {
        await propertyCheck(count: 200, input: Self.complaints) { complaints in
            var windows = ServiceWindows()
            for (day, category) in complaints {
                windows.addFeedback(day: Int32(day), observedSatisfaction: 2, complaintIndices: [category], repeatCustomer: nil)
            }
            let newest = Int32(complaints.map(\.0).max()!)
            for days in [ServiceWindows.shortDays, ServiceWindows.middleDays, ServiceWindows.longDays] {
                let summary = windows.summary(endingOn: newest, days: days)
                #expect(summary == windows.computeSummary(endingOn: newest, days: days), "running totals equal a pass over the buckets")
                #expect(windows.summary(endingOn: newest + 2, days: days) == windows.computeSummary(endingOn: newest + 2, days: days))
                let kept = complaints.filter { Int32($0.0) > newest - days }
                for category in 0..<5 {
                    let perDay = Dictionary(grouping: kept.filter { $0.1 == category }, by: \.0).mapValues(\.count)
                    #expect(summary.countedComplaints[category] == perDay.values.reduce(0) { $0 + min($1, 2) })
                    #expect(summary.complaints[category] == perDay.values.reduce(0, +))
                }
            }
        }
    }

    @Test func p90OfAKnownHistogram() {
        // 10 tables: 9 in the first bin [0, 0.25], 1 in the second (0.25, 0.5]: the 90th percentile
        // is the top of the first bin.
        var counts = [Int](repeating: 0, count: 12)
        counts[0] = 9
        counts[1] = 1
        #expect(WaitHistogram.quantile(0.9, counts: counts) == 0.25)
        #expect(WaitHistogram.quantile(0.95, counts: counts) == 0.375)
        #expect(WaitHistogram.quantile(0.9, counts: [Int](repeating: 0, count: 12)) == nil)
    }
}
