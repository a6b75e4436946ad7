import RealModule

/// Streaming binary logistic regression: one gradient step per example.
///
/// Optimisers: plain SGD, AdaGrad and Adam; L2 regularisation of the weights (not the
/// intercept); an intercept with its own learning rate; optional online standardisation of the
/// features (running mean and variance; an example is scaled with the statistics of the examples
/// before it and then added to them, as River's StandardScaler in a pipeline). Labels are 0 and 1. A
/// missing (NaN) or infinite value counts as the feature's mean (0 without standardisation).
/// ``contributions(_:)`` explains one prediction feature by feature.
public final class LogisticRegression: OnlineClassifier {
    /// How weights move along the gradient.
    public enum Optimizer: Sendable, Hashable {
        case sgd(learningRate: Double)
        case adaGrad(learningRate: Double, epsilon: Double = 1e-8)
        case adam(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
    }

    /// The hyper-parameters; plain stored values with River's defaults.
    public struct Configuration: Sendable, Hashable {
        public var optimizer: Optimizer = .sgd(learningRate: 0.01)
        public var interceptLearningRate: Double = 0.01
        public var l2: Double = 0
        public var standardize = false
        /// Gradients are clipped to ±this, as River does, so outliers cannot blow the weights up.
        public var gradientClip: Double = 1e12

        public init(optimizer: Optimizer = .sgd(learningRate: 0.01), interceptLearningRate: Double = 0.01, l2: Double = 0, standardize: Bool = false) {
            self.optimizer = optimizer
            self.interceptLearningRate = interceptLearningRate
            self.l2 = l2
            self.standardize = standardize
        }
    }

    public let schema: FeatureSchema
    public let configuration: Configuration
    public var classCount: Int { 2 }
    private let featureCount: Int

    /// All numbers the model changes, in one buffer it owns (no copy-on-write or exclusivity
    /// checks per example): weights, first moments, second moments, per-feature scaler weight,
    /// mean and squared deviations, a scratch row, then intercept and step count.
    private let numbers: UnsafeMutablePointer<Double>
    private var weightsBase: UnsafeMutablePointer<Double> { numbers }
    private var firstBase: UnsafeMutablePointer<Double> { numbers + featureCount }
    private var secondBase: UnsafeMutablePointer<Double> { numbers + 2 * featureCount }
    private var scalerWeightBase: UnsafeMutablePointer<Double> { numbers + 3 * featureCount }
    private var scalerMeanBase: UnsafeMutablePointer<Double> { numbers + 4 * featureCount }
    private var scalerDeviationBase: UnsafeMutablePointer<Double> { numbers + 5 * featureCount }
    private var scratchBase: UnsafeMutablePointer<Double> { numbers + 6 * featureCount }
    private var interceptSlot: UnsafeMutablePointer<Double> { numbers + 7 * featureCount }
    private var stepsSlot: UnsafeMutablePointer<Double> { numbers + 7 * featureCount + 1 }
    private var numberCount: Int { 7 * featureCount + 2 }

    public init(schema: FeatureSchema, configuration: Configuration = Configuration()) {
        self.schema = schema
        self.configuration = configuration
        self.featureCount = schema.count
        numbers = .allocate(capacity: 7 * schema.count + 2)
        numbers.initialize(repeating: 0, count: 7 * schema.count + 2)
    }

    deinit { numbers.deallocate() }

    public func freshCopy() -> LogisticRegression {
        LogisticRegression(schema: schema, configuration: configuration)
    }

    /// The current weights, one per feature (on standardised features when standardising).
    public var weights: [Double] { Array(UnsafeBufferPointer(start: weightsBase, count: featureCount)) }
    public var intercept: Double { interceptSlot.pointee }

    /// Writes the features as the weights see them into `output`: standardised with the
    /// statistics of earlier examples, or as given.
    @inline(__always)
    private func transform(_ features: [Double], into output: UnsafeMutablePointer<Double>) {
        precondition(features.count == featureCount, "example has \(features.count) features, schema \(featureCount)")
        if configuration.standardize {
            for index in 0..<featureCount {
                let value = features[index]
                let weight = scalerWeightBase[index]
                let variance = weight > 0 ? scalerDeviationBase[index] / weight : 0
                // A missing (NaN) or infinite value counts as the mean: it moves nothing.
                output[index] = value.isFinite && variance > 0 && variance.isFinite ? (value - scalerMeanBase[index]) / variance.squareRoot() : 0
            }
        } else {
            for index in 0..<featureCount {
                let value = features[index]
                output[index] = value.isFinite ? value : 0
            }
        }
    }

    @inline(__always)
    private func margin(_ transformed: UnsafeMutablePointer<Double>) -> Double {
        var sum = interceptSlot.pointee
        for index in 0..<featureCount { sum += weightsBase[index] * transformed[index] }
        return sum
    }

    @inline(__always)
    private static func sigmoid(_ margin: Double) -> Double {
        margin >= 0 ? 1 / (1 + Double.exp(-margin)) : Double.exp(margin) / (1 + Double.exp(margin))
    }

    /// The probability of class 1.
    public func probabilityOfPositive(_ features: [Double]) -> Double {
        transform(features, into: scratchBase)
        return Self.sigmoid(margin(scratchBase))
    }

    public func predictProbabilities(_ features: [Double]) -> [Double] {
        let positive = probabilityOfPositive(features)
        return [1 - positive, positive]
    }

    public func predictProbabilities(_ features: [Double], into probabilities: UnsafeMutableBufferPointer<Double>) {
        precondition(probabilities.count >= 2, "the output holds \(probabilities.count) of 2 probabilities")
        let positive = probabilityOfPositive(features)
        probabilities[0] = 1 - positive
        probabilities[1] = positive
    }

    public func learn(_ features: [Double], label: Int, weight: Double) {
        precondition(label == 0 || label == 1, "logistic regression takes labels 0 and 1, got \(label)")
        guard weight > 0 else { return }
        let transformed = scratchBase
        transform(features, into: transformed)
        if configuration.standardize {
            for index in 0..<featureCount {
                // Welford, as RunningStatistics.update; missing values are not counted.
                let value = features[index]
                guard value.isFinite else { continue }
                let previousMean = scalerMeanBase[index]
                scalerWeightBase[index] += 1
                scalerMeanBase[index] += (value - previousMean) / scalerWeightBase[index]
                scalerDeviationBase[index] += (value - previousMean) * (value - scalerMeanBase[index])
            }
        }
        let error = (Self.sigmoid(margin(transformed)) - Double(label)) * weight
        let clip = configuration.gradientClip
        let l2 = configuration.l2
        stepsSlot.pointee += 1
        let weights = weightsBase
        switch configuration.optimizer {
        case .sgd(let rate):
            for index in 0..<featureCount {
                let gradient = min(clip, max(-clip, error * transformed[index] + l2 * weights[index]))
                weights[index] -= rate * gradient
            }
        case .adaGrad(let rate, let epsilon):
            let second = secondBase
            for index in 0..<featureCount {
                let gradient = min(clip, max(-clip, error * transformed[index] + l2 * weights[index]))
                second[index] += gradient * gradient
                weights[index] -= rate * gradient / (second[index].squareRoot() + epsilon)
            }
        case .adam(let rate, let beta1, let beta2, let epsilon):
            let steps = stepsSlot.pointee
            let correction1 = 1 - Double.pow(beta1, steps)
            let correction2 = 1 - Double.pow(beta2, steps)
            let first = firstBase
            let second = secondBase
            for index in 0..<featureCount {
                let gradient = min(clip, max(-clip, error * transformed[index] + l2 * weights[index]))
                first[index] = beta1 * first[index] + (1 - beta1) * gradient
                second[index] = beta2 * second[index] + (1 - beta2) * gradient * gradient
                weights[index] -= rate * (first[index] / correction1) / ((second[index] / correction2).squareRoot() + epsilon)
            }
        }
        interceptSlot.pointee -= configuration.interceptLearningRate * min(clip, max(-clip, error))
    }

    /// Each feature's share of the margin (weight × transformed value) for one example, and the
    /// intercept's: what pushed this prediction up or down.
    public func contributions(_ features: [Double]) -> (perFeature: [Double], intercept: Double) {
        transform(features, into: scratchBase)
        return ((0..<featureCount).map { weightsBase[$0] * scratchBase[$0] }, interceptSlot.pointee)
    }

    public var estimatedByteSize: Int { 128 + numberCount * 8 }

    // MARK: - Snapshot

    static let snapshotKind = "logistic-regression"

    public func snapshot() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.writeHeader(kind: Self.snapshotKind, version: 1)
        writer.write(schema)
        switch configuration.optimizer {
        case .sgd(let rate):
            writer.write(UInt8(0))
            writer.write(rate)
        case .adaGrad(let rate, let epsilon):
            writer.write(UInt8(1))
            writer.write(rate)
            writer.write(epsilon)
        case .adam(let rate, let beta1, let beta2, let epsilon):
            writer.write(UInt8(2))
            for value in [rate, beta1, beta2, epsilon] { writer.write(value) }
        }
        writer.write(configuration.interceptLearningRate)
        writer.write(configuration.l2)
        writer.write(configuration.standardize)
        writer.write(configuration.gradientClip)
        writer.write(Array(UnsafeBufferPointer(start: numbers, count: numberCount)))
        return writer.bytes
    }

    /// Restores a model from ``snapshot()``.
    public convenience init(snapshot bytes: [UInt8]) throws(LearningError) {
        var reader = SnapshotReader(bytes)
        try reader.readHeader(kind: Self.snapshotKind, version: 1)
        let schema = try reader.readSchema()
        var configuration = Configuration()
        switch try reader.readUInt8() {
        case 0: configuration.optimizer = .sgd(learningRate: try reader.readDouble())
        case 1: configuration.optimizer = .adaGrad(learningRate: try reader.readDouble(), epsilon: try reader.readDouble())
        case 2:
            configuration.optimizer = .adam(
                learningRate: try reader.readDouble(), beta1: try reader.readDouble(), beta2: try reader.readDouble(), epsilon: try reader.readDouble())
        case let other: throw .invalidSnapshot("unknown optimizer \(other)")
        }
        configuration.interceptLearningRate = try reader.readDouble()
        configuration.l2 = try reader.readDouble()
        configuration.standardize = try reader.readBool()
        configuration.gradientClip = try reader.readDouble()
        self.init(schema: schema, configuration: configuration)
        let saved = try reader.readDoubles()
        guard saved.count == numberCount else { throw .invalidSnapshot("logistic regression state does not match the schema") }
        numbers.update(from: saved, count: saved.count)
        try reader.expectEnd()
    }
}
