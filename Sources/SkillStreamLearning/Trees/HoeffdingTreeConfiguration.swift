/// How a leaf predicts.
public enum LeafPrediction: String, Sendable, Hashable, CaseIterable {
    /// The majority class of the leaf.
    case majorityClass = "mc"
    /// Naive Bayes over the leaf's attribute observers.
    case naiveBayes = "nb"
    /// Whichever of the two has been right more often at this leaf (MOA's and River's default).
    case adaptiveNaiveBayes = "nba"
}

/// The hyper-parameters of the Hoeffding trees; the defaults are MOA's, so that accuracy is
/// compared like for like.
public struct HoeffdingTreeConfiguration: Sendable, Hashable {
    /// Weight a leaf sees between split attempts (MOA `-g`).
    public var gracePeriod: Double = 200
    /// δ: one minus the confidence that the chosen split is the best (MOA `-c`).
    public var splitConfidence: Double = 1e-7
    /// τ: split anyway when the Hoeffding bound falls below this (MOA `-t`).
    public var tieThreshold: Double = 0.05
    public var splitCriterion: SplitCriterion = .informationGain()
    public var leafPrediction: LeafPrediction = .adaptiveNaiveBayes
    /// Only binary splits on nominal features (MOA `-b`).
    public var binarySplitsOnly = false
    /// Candidate thresholds per numeric feature at a split attempt (MOA's Gaussian observer, 10).
    public var numericSplitPoints = 10
    /// Consider not splitting at all as a candidate (MOA's default; `-p` turns it off).
    public var prePrune = true
    /// Leaves at this depth do not split; nil for no limit.
    public var maxDepth: Int? = nil
    /// Memory bound: past it the least promising leaves are deactivated (MOA `-m`, 33 MB).
    public var maxByteSize = 33_554_432
    /// How often, in learned examples, memory is checked (MOA `-e`).
    public var memoryEstimatePeriod = 1_000_000
    /// At the memory bound, stop growing instead of deactivating leaves (MOA `-z`).
    public var stopMemoryManagement = false
    /// Adaptive tree: the ADWIN confidence of each node's error monitor.
    public var driftConfidence: Double = 0.002
    /// Adaptive tree: weight each example at the leaves by a Poisson(1) draw (online bagging), as MOA and River do.
    public var bootstrapSampling = true
    /// Adaptive tree: the seed of every node's bootstrap generator (MOA's is 1).
    public var seed: UInt64 = 1

    public init() {}

    /// The settings capymoa uses by default (MOA `-m 33554433 -c 0.001 -z -p`).
    public static var capymoa: HoeffdingTreeConfiguration {
        var configuration = HoeffdingTreeConfiguration()
        configuration.maxByteSize = 33_554_433
        configuration.splitConfidence = 0.001
        configuration.stopMemoryManagement = true
        configuration.prePrune = false
        return configuration
    }
}

/// One step of the path an example takes through a tree, for explanations.
public struct TreeDecision: Sendable, Hashable {
    public var feature: String
    /// The test the example passed, in words (`wait_time_p90 > 840.5`).
    public var condition: String
}

/// Why a tree predicts what it predicts for one example.
public struct TreeExplanation: Sendable, Hashable {
    /// The tests from the root to the leaf.
    public var path: [TreeDecision]
    /// The class weights the leaf has seen.
    public var leafClassCounts: [Double]
    /// How the leaf predicted (majority class or naive Bayes).
    public var leafPrediction: LeafPrediction
    public var probabilities: [Double]
}
