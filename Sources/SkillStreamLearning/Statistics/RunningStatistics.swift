/// Mean and variance of a stream (weighted Welford), with `revert` so that count- and
/// time-based windows come from adding the new value and reverting the one that leaves.
public struct RunningStatistics: Sendable, Hashable {
    public private(set) var weight: Double = 0
    public private(set) var mean: Double = 0
    /// The sum of squared deviations from the mean.
    public private(set) var squaredDeviations: Double = 0

    public init() {}

    /// Restores statistics saved from the three stored values.
    public init(weight: Double, mean: Double, squaredDeviations: Double) {
        self.weight = weight
        self.mean = mean
        self.squaredDeviations = squaredDeviations
    }

    /// Adds a value counted `weight` times.
    public mutating func update(_ value: Double, weight: Double = 1) {
        guard weight > 0 else { return }
        let previousMean = mean
        self.weight += weight
        mean += weight * (value - previousMean) / self.weight
        squaredDeviations += weight * (value - previousMean) * (value - mean)
    }

    /// Removes a value added before with the same weight.
    public mutating func revert(_ value: Double, weight: Double = 1) {
        guard weight > 0 else { return }
        let remaining = self.weight - weight
        guard remaining > 1e-12 else {
            self = RunningStatistics()
            return
        }
        let previousMean = mean
        mean = (self.weight * previousMean - weight * value) / remaining
        squaredDeviations = max(0, squaredDeviations - weight * (value - mean) * (value - previousMean))
        self.weight = remaining
    }

    /// The population variance (divided by the weight).
    public var populationVariance: Double { weight > 0 ? squaredDeviations / weight : 0 }

    /// The sample variance (divided by the weight minus one), 0 below two observations.
    public var sampleVariance: Double { weight > 1 ? squaredDeviations / (weight - 1) : 0 }

    public var sampleStandardDeviation: Double { sampleVariance.squareRoot() }
}

/// An exponentially weighted moving average: `alpha` is the weight of the newest value.
public struct ExponentialMovingAverage: Sendable, Hashable {
    public let alpha: Double
    public private(set) var value: Double?

    public init(alpha: Double) {
        precondition(alpha > 0 && alpha <= 1, "alpha must be in (0, 1]")
        self.alpha = alpha
    }

    public mutating func update(_ newValue: Double) {
        value = value.map { $0 + alpha * (newValue - $0) } ?? newValue
    }

    /// Writes the average into a checkpoint; ``read(from:)`` gives it back identically.
    public func write(to writer: inout SnapshotWriter) {
        writer.write(alpha)
        writer.write(value != nil)
        writer.write(value ?? 0)
    }

    public static func read(from reader: inout SnapshotReader) throws(LearningError) -> ExponentialMovingAverage {
        let alpha = try reader.readDouble()
        guard alpha > 0, alpha <= 1 else { throw .invalidSnapshot("moving average alpha \(alpha)") }
        var average = ExponentialMovingAverage(alpha: alpha)
        let known = try reader.readBool()
        let value = try reader.readDouble()
        average.value = known ? value : nil
        return average
    }
}

/// A streaming quantile in constant memory: the P² algorithm (Jain and Chlamtac, 1985), five
/// markers whose heights follow the quantile by piecewise-parabolic interpolation.
public struct StreamingQuantile: Sendable, Hashable {
    public let quantile: Double
    private var heights: [Double] = []
    private var positions: [Double] = [1, 2, 3, 4, 5]
    private var desired: [Double]
    private let increments: [Double]

    public init(quantile: Double) {
        precondition(quantile > 0 && quantile < 1, "quantile must be in (0, 1)")
        self.quantile = quantile
        desired = [1, 1 + 2 * quantile, 1 + 4 * quantile, 3 + 2 * quantile, 5]
        increments = [0, quantile / 2, quantile, (1 + quantile) / 2, 1]
    }

    /// How many values were seen.
    public private(set) var count = 0

    public mutating func update(_ value: Double) {
        count += 1
        if heights.count < 5 {
            heights.append(value)
            if heights.count == 5 { heights.sort() }
            return
        }
        let cell: Int
        if value < heights[0] {
            heights[0] = value
            cell = 0
        } else if value >= heights[4] {
            heights[4] = max(heights[4], value)
            cell = 3
        } else {
            var index = 0
            while index < 3 && value >= heights[index + 1] { index += 1 }
            cell = index
        }
        for index in (cell + 1)..<5 { positions[index] += 1 }
        for index in 0..<5 { desired[index] += increments[index] }
        for index in 1...3 {
            let offset = desired[index] - positions[index]
            if (offset >= 1 && positions[index + 1] - positions[index] > 1) || (offset <= -1 && positions[index - 1] - positions[index] < -1) {
                let step: Double = offset >= 0 ? 1 : -1
                let parabolic = heights[index] + step / (positions[index + 1] - positions[index - 1])
                    * ((positions[index] - positions[index - 1] + step) * (heights[index + 1] - heights[index]) / (positions[index + 1] - positions[index])
                        + (positions[index + 1] - positions[index] - step) * (heights[index] - heights[index - 1]) / (positions[index] - positions[index - 1]))
                if heights[index - 1] < parabolic && parabolic < heights[index + 1] {
                    heights[index] = parabolic
                } else {
                    let neighbour = index + Int(step)
                    heights[index] += step * (heights[neighbour] - heights[index]) / (positions[neighbour] - positions[index])
                }
                positions[index] += step
            }
        }
    }

    /// The estimator's whole state as numbers, for snapshots: count, then the heights, positions
    /// and desired positions of the markers.
    public var snapshotValues: [Double] { [Double(count)] + heights + positions + desired }

    /// Restores an estimator from ``snapshotValues``; nil if they do not fit.
    public init?(quantile: Double, snapshotValues values: [Double]) {
        self.init(quantile: quantile)
        guard let first = values.first, first >= 0, first < 1e15, first == first.rounded() else { return nil }
        let count = Int(first)
        let heightCount = min(count, 5)
        guard values.count == 1 + heightCount + 10 else { return nil }
        self.count = count
        heights = Array(values[1..<(1 + heightCount)])
        positions = Array(values[(1 + heightCount)..<(6 + heightCount)])
        desired = Array(values[(6 + heightCount)...])
    }

    /// The current estimate; exact (nearest rank) for fewer than five values; nil before any.
    public var value: Double? {
        guard !heights.isEmpty else { return nil }
        if heights.count < 5 {
            let sorted = heights.sorted()
            let rank = Int((quantile * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(sorted.count - 1, max(0, rank))]
        }
        return heights[2]
    }
}
