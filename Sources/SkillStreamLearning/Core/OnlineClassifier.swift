/// A classifier that learns one example at a time and predicts class probabilities for one
/// example: the contract every SkillStream learner meets (see the conformance tests).
///
/// Examples are dense `[Double]` in the model's ``FeatureSchema`` order; labels are class
/// indices `0..<classCount`. A model is a reference type owned by one task at a time (the
/// processor gives each partition its own models). Snapshots restore bit for bit: a restored
/// model predicts identically and goes on learning identically.
public protocol OnlineClassifier: AnyObject {
    /// The input layout.
    var schema: FeatureSchema { get }
    /// The number of classes; labels are `0..<classCount`.
    var classCount: Int { get }

    /// Learns from one labelled example, counted `weight` times (weight > 0).
    func learn(_ features: [Double], label: Int, weight: Double)

    /// The probability of each class for one example, summing to 1. A model with no opinion yet
    /// answers the uniform distribution.
    func predictProbabilities(_ features: [Double]) -> [Double]

    /// The same probabilities written into `probabilities` (`classCount` values), without
    /// allocating: for hot loops.
    func predictProbabilities(_ features: [Double], into probabilities: UnsafeMutableBufferPointer<Double>)

    /// The model's state, hyper-parameters included, as bytes.
    func snapshot() -> [UInt8]

    /// An untrained model with the same schema and hyper-parameters.
    func freshCopy() -> Self

    /// An estimate of the memory the model holds, in bytes.
    var estimatedByteSize: Int { get }
}

extension OnlineClassifier {
    public func predictProbabilities(_ features: [Double], into probabilities: UnsafeMutableBufferPointer<Double>) {
        let computed = predictProbabilities(features)
        for index in 0..<min(computed.count, probabilities.count) { probabilities[index] = computed[index] }
    }

    /// Learns from one example with weight 1.
    public func learn(_ features: [Double], label: Int) {
        learn(features, label: label, weight: 1)
    }

    /// The most probable class.
    public func predictClass(_ features: [Double]) -> Int {
        let probabilities = predictProbabilities(features)
        var best = 0
        for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
        return best
    }
}
