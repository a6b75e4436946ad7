/// A concept-drift detector over a stream of values (e.g. 0/1 errors of a model): `update`
/// returns true when it detects a change in the stream's mean.
public protocol DriftDetector {
    mutating func update(_ value: Double) -> Bool
    /// Whether the last update detected drift.
    var driftDetected: Bool { get }
}
