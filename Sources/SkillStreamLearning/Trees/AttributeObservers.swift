import RealModule

/// What a leaf knows about one numeric attribute: per class, a Gaussian (weighted Welford mean
/// and variance) and the smallest and largest value seen, as MOA's
/// GaussianNumericAttributeClassObserver. Five Doubles per class; a leaf keeps those of all its
/// numeric attributes in one flat array (see ``TreeNode/gaussians``) and updates them in place.
struct NumericObserver {
    static let stride = 5  // weight, mean, squared deviations, minimum, maximum
    let statistics: UnsafeBufferPointer<Double>
    let classCount: Int

    init(statistics: UnsafeBufferPointer<Double>) {
        self.statistics = statistics
        self.classCount = statistics.count / Self.stride
    }

    /// Adds one observation to the five statistics at `base` (weighted Welford, min and max).
    @inline(__always)
    static func observe(_ value: Double, weight: Double, into statistics: UnsafeMutablePointer<Double>) {
        let seen = statistics[0]
        if seen > 0 {
            if value < statistics[3] { statistics[3] = value }
            if value > statistics[4] { statistics[4] = value }
            let total = seen + weight
            let previousMean = statistics[1]
            let mean = previousMean + weight * (value - previousMean) / total
            statistics[0] = total
            statistics[1] = mean
            statistics[2] += weight * (value - previousMean) * (value - mean)
        } else {
            statistics[0] = weight
            statistics[1] = value
            statistics[2] = 0
            statistics[3] = value
            statistics[4] = value
        }
    }

    private subscript(label: Int, field: Int) -> Double { statistics[label * Self.stride + field] }

    @inline(__always) func weight(_ label: Int) -> Double { self[label, 0] }
    @inline(__always) func mean(_ label: Int) -> Double { self[label, 1] }

    /// Sample variance, as MOA's GaussianEstimator (0 below two observations).
    @inline(__always) func variance(_ label: Int) -> Double {
        let weight = self[label, 0]
        return weight > 1 ? self[label, 2] / (weight - 1) : 0
    }

    /// Whether any class has been observed.
    var hasObservations: Bool { (0..<classCount).contains { weight($0) > 0 } }


    /// The Gaussian density of `value` for a class (1 or 0 at a point mass, 0 for an unseen class).
    func density(_ value: Double, label: Int) -> Double {
        guard weight(label) > 0 else { return 0 }
        let standardDeviation = variance(label).squareRoot()
        guard standardDeviation > 0 else { return value == mean(label) ? 1 : 0 }
        let difference = value - mean(label)
        return Double.exp(-difference * difference / (2 * standardDeviation * standardDeviation)) / (Gaussian.sqrtTwoPi * standardDeviation)
    }

    /// The weight of a class's observations below, at and above `value`, estimated from its
    /// Gaussian as MOA does (the "at" part is the density times the weight).
    func weightsAround(_ value: Double, label: Int) -> (lessThan: Double, equalTo: Double, greaterThan: Double) {
        let total = weight(label)
        let equalTo = density(value, label: label) * total
        let standardDeviation = variance(label).squareRoot()
        let lessThan: Double
        if standardDeviation > 0 {
            lessThan = Gaussian.cumulative((value - mean(label)) / standardDeviation) * total - equalTo
        } else {
            lessThan = value < mean(label) ? total - equalTo : 0
        }
        let greaterThan = max(0, total - equalTo - lessThan)
        return (lessThan, equalTo, greaterThan)
    }

    /// Candidate thresholds: `bins` evenly spaced points strictly inside the observed range.
    func splitPoints(bins: Int) -> [Double] {
        var low = Double.infinity
        var high = -Double.infinity
        for label in 0..<classCount where weight(label) > 0 {
            low = min(low, self[label, 3])
            high = max(high, self[label, 4])
        }
        guard low < .infinity else { return [] }
        let range = high - low
        var points: [Double] = []
        for index in 0..<bins {
            let point = range / (Double(bins) + 1) * Double(index + 1) + low
            if point > low && point < high && points.last != point { points.append(point) }
        }
        return points
    }

    /// Class weights on each side of `x <= threshold`.
    func binarySplit(at threshold: Double) -> [[Double]] {
        var left = Array(repeating: 0.0, count: classCount)
        var right = Array(repeating: 0.0, count: classCount)
        for label in 0..<classCount where weight(label) > 0 {
            if threshold < self[label, 3] {
                right[label] += weight(label)
            } else if threshold >= self[label, 4] {
                left[label] += weight(label)
            } else {
                let parts = weightsAround(threshold, label: label)
                left[label] += parts.lessThan + parts.equalTo
                right[label] += parts.greaterThan
            }
        }
        return [left, right]
    }
}

/// What a leaf knows about one nominal attribute: per value code and class, the weight seen
/// (MOA's NominalAttributeClassObserver), flat as value × class; values are codes 0, 1, 2, …
final class NominalObserver {
    let classCount: Int

    /// The observer's numbers behind a pointer it owns, so that the per-example updates cost no
    /// dynamic exclusivity checks.
    private let storage: UnsafeMutablePointer<Storage>

    struct Storage {
        /// counts[code * classCount + label]
        var counts: [Double]
        var totals: [Double]
        /// Per class, the highest code seen plus one: MOA's number of values in the Laplace estimate.
        var valuesSeen: [Int]
    }

    var counts: [Double] { storage.pointee.counts }
    var totals: [Double] { storage.pointee.totals }
    var valuesSeen: [Int] { storage.pointee.valuesSeen }

    convenience init(classCount: Int) {
        self.init(classCount: classCount, counts: [], totals: Array(repeating: 0, count: classCount), valuesSeen: Array(repeating: 0, count: classCount))
    }

    init(classCount: Int, counts: [Double], totals: [Double], valuesSeen: [Int]) {
        self.classCount = classCount
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage(counts: counts, totals: totals, valuesSeen: valuesSeen))
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    @inline(__always)
    func observe(_ code: Int, label: Int, weight: Double) {
        let slot = code * classCount + label
        if slot >= storage.pointee.counts.count {
            storage.pointee.counts.append(contentsOf: repeatElement(0, count: (code + 1) * classCount - storage.pointee.counts.count))
        }
        storage.pointee.counts[slot] += weight
        storage.pointee.totals[label] += weight
        if code >= storage.pointee.valuesSeen[label] { storage.pointee.valuesSeen[label] = code + 1 }
    }

    /// Laplace-smoothed P(value | class) as MOA computes it (0 for a class never seen).
    @inline(__always)
    func probability(of code: Int, label: Int) -> Double {
        let seen = storage.pointee.valuesSeen[label]
        guard seen > 0 else { return 0 }
        let slot = code * classCount + label
        let count = slot < storage.pointee.counts.count ? storage.pointee.counts[slot] : 0
        return (count + 1) / (storage.pointee.totals[label] + Double(seen))
    }

    var valueCount: Int { counts.count / classCount }

    /// Class weights per value: one branch per value code.
    func multiwaySplit() -> [[Double]] {
        (0..<valueCount).map { code in Array(counts[(code * classCount)..<((code + 1) * classCount)]) }
    }

    /// Class weights for `x == code` and `x != code`.
    func binarySplit(on code: Int) -> [[Double]] {
        let equal = code < valueCount ? Array(counts[(code * classCount)..<((code + 1) * classCount)]) : Array(repeating: 0, count: classCount)
        return [equal, zip(totals, equal).map { $0 - $1 }]
    }

    var estimatedByteSize: Int { 96 + counts.count * 8 + classCount * 16 }
}

/// Normal-distribution helpers.
enum Gaussian {
    static let sqrtTwoPi = (2 * Double.pi).squareRoot()
    static let logSqrtTwoPi = Double.log(sqrtTwoPi)

    /// The standard normal cumulative distribution function.
    static func cumulative(_ z: Double) -> Double {
        0.5 * Double.erfc(-z / 2.0.squareRoot())
    }
}

/// A nominal feature's value as a branch code, or nil when it is missing or not a valid code.
@inline(__always)
func nominalCode(_ value: Double) -> Int? {
    guard value >= 0, value < 1_048_576, value == value.rounded(.towardZero) else { return nil }
    return Int(value)
}
