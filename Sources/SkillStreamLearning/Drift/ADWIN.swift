import RealModule

/// ADWIN, the adaptive sliding window of Bifet and Gavaldà (2007), as MOA implements it: an
/// exponential histogram of buckets; every `clock` values the window is cut where two sub-windows'
/// means differ by more than the bound for confidence `delta`, dropping the older part.
///
/// `estimation` is the mean of the current window; `width` its length. Memory is
/// O(maxBuckets · log(width)).
public struct ADWIN: DriftDetector, Sendable, Hashable {
    /// One row of buckets of size 2^row: totals and variances, oldest first.
    struct Row: Sendable, Hashable {
        var totals: [Double] = []
        var variances: [Double] = []
    }

    public let delta: Double
    public let clock: Int
    public let maxBuckets: Int
    public let minimumWindowLength: Int
    /// A cut is checked only once the window is longer than this.
    public let minimumWidthForCheck: Int

    /// Rows from the newest (size 1) to the oldest.
    private(set) var rows: [Row] = [Row()]
    public private(set) var width = 0
    public private(set) var total: Double = 0
    public private(set) var variance: Double = 0
    private(set) var time = 0
    public private(set) var driftDetected = false
    public private(set) var detections = 0

    public init(delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5, minimumWindowLength: Int = 5, minimumWidthForCheck: Int = 10) {
        self.delta = delta
        self.clock = clock
        self.maxBuckets = maxBuckets
        self.minimumWindowLength = minimumWindowLength
        self.minimumWidthForCheck = minimumWidthForCheck
    }

    /// The mean of the current window.
    public var estimation: Double { width > 0 ? total / Double(width) : 0 }

    @discardableResult
    public mutating func update(_ value: Double) -> Bool {
        time += 1
        insert(value)
        driftDetected = false
        guard time % clock == 0, width > minimumWidthForCheck else { return false }
        var reduceWidth = true
        while reduceWidth {
            reduceWidth = false
            var exit = false
            var n0 = 0.0
            var n1 = Double(width)
            var u0 = 0.0
            var u1 = total
            var v0 = 0.0
            var v1 = variance
            var rowIndex = rows.count - 1
            while !exit && rowIndex >= 0 {
                let size = Double(1 << rowIndex)
                let row = rows[rowIndex]
                for bucket in row.totals.indices {
                    let u2 = row.totals[bucket]
                    if n0 > 0 { v0 += row.variances[bucket] + n0 * size * (u0 / n0 - u2 / size) * (u0 / n0 - u2 / size) / (n0 + size) }
                    if n1 > 0 { v1 -= row.variances[bucket] + n1 * size * (u1 / n1 - u2 / size) * (u1 / n1 - u2 / size) / (n1 + size) }
                    n0 += size
                    n1 -= size
                    u0 += u2
                    u1 -= u2
                    if rowIndex == 0 && bucket == row.totals.count - 1 {
                        exit = true
                        break
                    }
                    let difference = u0 / n0 - u1 / n1
                    if n1 > Double(minimumWindowLength + 1) && n0 > Double(minimumWindowLength + 1)
                        && shouldCut(n0: n0, n1: n1, difference: difference)
                    {
                        driftDetected = true
                        reduceWidth = true
                        if width > 0 {
                            n0 -= deleteOldestBucket()
                            exit = true
                            break
                        }
                    }
                }
                rowIndex -= 1
            }
        }
        if driftDetected { detections += 1 }
        return driftDetected
    }

    private func shouldCut(n0: Double, n1: Double, difference: Double) -> Bool {
        let n = Double(width)
        let dd = Double.log(2 * Double.log(n) / delta)
        let windowVariance = variance / n
        let m = 1 / (n0 - Double(minimumWindowLength) + 1) + 1 / (n1 - Double(minimumWindowLength) + 1)
        let epsilon = (2 * m * windowVariance * dd).squareRoot() + 2.0 / 3.0 * dd * m
        return abs(difference) > epsilon
    }

    private mutating func insert(_ value: Double) {
        width += 1
        rows[0].totals.append(value)
        rows[0].variances.append(0)
        if width > 1 {
            let previousMean = total / Double(width - 1)
            variance += Double(width - 1) * (value - previousMean) * (value - previousMean) / Double(width)
        }
        total += value
        compress()
    }

    private mutating func compress() {
        var rowIndex = 0
        while rowIndex < rows.count, rows[rowIndex].totals.count == maxBuckets + 1 {
            if rowIndex + 1 == rows.count { rows.append(Row()) }
            let size = Double(1 << rowIndex)
            let row = rows[rowIndex]
            let u1 = row.totals[0] / size
            let u2 = row.totals[1] / size
            let increase = size * size * (u1 - u2) * (u1 - u2) / (size + size)
            rows[rowIndex + 1].totals.append(row.totals[0] + row.totals[1])
            rows[rowIndex + 1].variances.append(row.variances[0] + row.variances[1] + increase)
            rows[rowIndex].totals.removeFirst(2)
            rows[rowIndex].variances.removeFirst(2)
            if rows[rowIndex + 1].totals.count <= maxBuckets { break }
            rowIndex += 1
        }
    }

    /// Drops the oldest bucket; returns its size.
    private mutating func deleteOldestBucket() -> Double {
        let last = rows.count - 1
        let size = Double(1 << last)
        width -= Int(size)
        let bucketTotal = rows[last].totals[0]
        total -= bucketTotal
        let bucketMean = bucketTotal / size
        let decrease = rows[last].variances[0] + size * Double(width) * (bucketMean - total / Double(width)) * (bucketMean - total / Double(width)) / (size + Double(width))
        variance -= decrease
        rows[last].totals.removeFirst()
        rows[last].variances.removeFirst()
        if rows[last].totals.isEmpty && last > 0 { rows.removeLast() }
        return size
    }
}

extension ADWIN {
    /// Writes the detector into a checkpoint; ``read(from:)`` gives it back identically.
    public func write(to writer: inout SnapshotWriter) {
        writer.write(delta)
        writer.write(clock)
        writer.write(maxBuckets)
        writer.write(minimumWindowLength)
        writer.write(minimumWidthForCheck)
        writer.write(rows.count)
        for row in rows {
            writer.write(row.totals)
            writer.write(row.variances)
        }
        writer.write(width)
        writer.write(total)
        writer.write(variance)
        writer.write(time)
        writer.write(driftDetected)
        writer.write(detections)
    }

    public static func read(from reader: inout SnapshotReader) throws(LearningError) -> ADWIN {
        var adwin = ADWIN(
            delta: try reader.readDouble(), clock: try reader.readInt(), maxBuckets: try reader.readInt(),
            minimumWindowLength: try reader.readInt(), minimumWidthForCheck: try reader.readInt())
        let rowCount = try reader.readCount(elementSize: 16)
        adwin.rows = []
        for _ in 0..<rowCount {
            adwin.rows.append(Row(totals: try reader.readDoubles(), variances: try reader.readDoubles()))
        }
        guard !adwin.rows.isEmpty, adwin.clock > 0, adwin.maxBuckets >= 1, adwin.minimumWindowLength >= 0,
            adwin.rows.allSatisfy({ $0.totals.count == $0.variances.count && $0.totals.count <= adwin.maxBuckets + 1 }),
            adwin.rows.count < 62, adwin.rows.count == 1 || !adwin.rows.last!.totals.isEmpty
        else { throw .invalidSnapshot("ADWIN buckets are inconsistent") }
        adwin.width = try reader.readInt()
        adwin.total = try reader.readDouble()
        adwin.variance = try reader.readDouble()
        adwin.time = try reader.readInt()
        guard adwin.width >= 0, adwin.time >= 0, adwin.time < Int.max / 2 else { throw .invalidSnapshot("ADWIN counters") }
        adwin.driftDetected = try reader.readBool()
        adwin.detections = try reader.readInt()
        return adwin
    }
}
