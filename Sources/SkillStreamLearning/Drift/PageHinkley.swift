/// The Page-Hinkley test for an increase in a stream's mean: the cumulative deviation from the
/// running mean (less a tolerated `delta`, with forgetting factor `alpha`) is compared with its
/// minimum; drift when the gap exceeds `threshold`. Resets itself after a detection.
public struct PageHinkley: DriftDetector, Sendable, Hashable {
    public let minimumInstances: Int
    public let delta: Double
    public let threshold: Double
    public let alpha: Double

    private var count = 0
    private var mean = 0.0
    private var cumulative = 0.0
    private var minimum = Double.infinity
    public private(set) var driftDetected = false

    public init(minimumInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50, alpha: Double = 1 - 0.0001) {
        self.minimumInstances = minimumInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
    }

    @discardableResult
    public mutating func update(_ value: Double) -> Bool {
        if driftDetected { reset() }
        count += 1
        mean += (value - mean) / Double(count)
        cumulative = alpha * cumulative + (value - mean - delta)
        minimum = min(minimum, cumulative)
        driftDetected = count >= minimumInstances && cumulative - minimum > threshold
        return driftDetected
    }

    private mutating func reset() {
        count = 0
        mean = 0
        cumulative = 0
        minimum = .infinity
        driftDetected = false
    }
}
