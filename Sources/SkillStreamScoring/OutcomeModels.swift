import SkillStreamDomain
import SkillStreamLearning

/// The online models of guest outcomes, learned one visit at a time as feedback arrives (the
/// labels come late; the features are the server's as they were at service time). For each
/// target — dissatisfied (an observed score of 1 or 2; imputed scores never train), and each
/// staff-attributable complaint category — a streaming logistic regression and a Hoeffding
/// Adaptive Tree run side by side, scored prequentially (each example predicted before it is
/// learned).
///
/// The rule: for each target, the model with the lower log loss over the last
/// ``comparisonWindow`` examples drives; until a target has ``minimumExamples`` examples and
/// its driving model an ROC AUC of at least ``minimumAUC`` there, the models say nothing and the
/// gap tests decide alone. An ADWIN per restaurant watches the driving model's errors on
/// dissatisfaction: a detected change is counted (the adaptive tree replaces the branches that
/// went stale by itself; logistic regression keeps learning with every example).
public final class OutcomeModels {
    public static let comparisonWindow = 2_000
    public static let minimumExamples = 500
    public static let minimumAUC = 0.7
    public static let decisionInterval = 250

    /// What a target's models predict: dissatisfaction, or one complaint category.
    public enum Target: Hashable, Sendable, CaseIterable {
        case dissatisfied
        case complaint(ComplaintCategory)

        public static let allCases: [Target] = [.dissatisfied] + ComplaintCategory.staffAttributable.map { .complaint($0) }

        public var name: String {
            switch self {
            case .dissatisfied: "dissatisfied"
            case .complaint(let category): category.rawValue
            }
        }
    }

    /// One model's prequential record on one target.
    public struct Quality: Sendable {
        public var overall = ClassificationMetrics()
        public var recent = WindowedClassificationMetrics(size: OutcomeModels.comparisonWindow)
        /// Per restaurant, dissatisfaction only.
        public var byRestaurant: [String: ClassificationMetrics] = [:]
    }

    /// The two learners of one target and their records.
    final class Pair {
        let logistic: LogisticRegression
        let tree: HoeffdingAdaptiveTree
        var logisticQuality = Quality()
        var treeQuality = Quality()
        var examples = 0
        /// Per restaurant: running mean of the driving model's prediction (its peers' risk).
        var restaurantRisk: [String: ExponentialMovingAverage] = [:]
        /// The rule's decision, revisited every ``OutcomeModels/decisionInterval`` examples
        /// (comparing windows sorts them).
        private(set) var driving: (model: any OnlineClassifier, name: String)?

        convenience init(schema: FeatureSchema) {
            self.init(
                logistic: LogisticRegression(schema: schema, configuration: .init(optimizer: .adaGrad(learningRate: 0.1), l2: 0, standardize: true)),
                tree: HoeffdingAdaptiveTree(schema: schema))
        }

        init(logistic: LogisticRegression, tree: HoeffdingAdaptiveTree) {
            self.logistic = logistic
            self.tree = tree
        }

        /// Each model's name and record.
        var qualities: [(model: String, quality: Quality)] {
            [("logistic-regression", logisticQuality), ("hoeffding-adaptive-tree", treeQuality)]
        }

        /// The driving model's name, or nil; setting it (from a checkpoint) picks that model.
        var drivingName: String? {
            get { driving?.name }
            set {
                switch newValue {
                case "logistic-regression": driving = (logistic, "logistic-regression")
                case "hoeffding-adaptive-tree": driving = (tree, "hoeffding-adaptive-tree")
                default: driving = nil
                }
            }
        }

        /// Applies the rule: nil while the target says nothing.
        func decide() {
            guard examples >= OutcomeModels.minimumExamples else { return }
            // The ROC AUC (a sort of the window) only for the one chosen.
            let chosen: (any OnlineClassifier, String, Quality) =
                logisticQuality.recent.logLoss <= treeQuality.recent.logLoss
                ? (self.logistic, "logistic-regression", logisticQuality) : (self.tree, "hoeffding-adaptive-tree", treeQuality)
            driving = chosen.2.recent.rocAUC >= OutcomeModels.minimumAUC ? (chosen.0, chosen.1) : nil
        }
    }

    let schema: FeatureSchema
    var pairs: [Target: Pair] = [:]
    var drift: [String: ADWIN] = [:]
    public internal(set) var driftsDetected: [String: Int] = [:]

    public init() {
        // The feature layout is fixed and valid by construction.
        schema = try! FeatureSchema(names: ServiceFeatures.names, nominal: ServiceFeatures.nominal)
        for target in Target.allCases { pairs[target] = Pair(schema: schema) }
    }

    /// Predicts, scores and learns one labelled visit on every target it has a label for.
    public func learn(_ example: LabelledServiceExample) {
        for target in Target.allCases {
            let label: Int
            switch target {
            case .dissatisfied:
                guard let dissatisfied = example.dissatisfied else { continue }
                label = dissatisfied ? 1 : 0
            case .complaint(let category):
                label = example.complaints.contains(category) ? 1 : 0
            }
            let pair = pairs[target]!
            let driving = pair.driving
            let logistic = pair.logistic.predictProbabilities(example.features)
            let tree = pair.tree.predictProbabilities(example.features)
            record(&pair.logisticQuality, label, logistic, example.restaurantID, target)
            record(&pair.treeQuality, label, tree, example.restaurantID, target)
            let drivingPrediction = driving?.name == "hoeffding-adaptive-tree" ? tree : logistic
            pair.restaurantRisk[example.restaurantID, default: ExponentialMovingAverage(alpha: 0.02)].update(drivingPrediction[1])
            if target == .dissatisfied {
                let error = (drivingPrediction[1] >= 0.5 ? 1 : 0) == label ? 0.0 : 1.0
                if drift[example.restaurantID, default: ADWIN()].update(error) { driftsDetected[example.restaurantID, default: 0] += 1 }
            }
            pair.logistic.learn(example.features, label: label, weight: 1)
            pair.tree.learn(example.features, label: label, weight: 1)
            pair.examples += 1
            if pair.examples % Self.decisionInterval == 0 { pair.decide() }
        }
    }

    private func record(_ quality: inout Quality, _ label: Int, _ prediction: [Double], _ restaurantID: String, _ target: Target) {
        quality.overall.record(label: label, probabilities: prediction)
        quality.recent.record(label: label, probabilities: prediction)
        if target == .dissatisfied { quality.byRestaurant[restaurantID, default: ClassificationMetrics()].record(label: label, probabilities: prediction) }
    }

    /// The driving model's risk of the target for a visit with these features, against the
    /// running mean of its predictions for the restaurant's visits; nil while the target says
    /// nothing.
    public func risk(_ target: Target, features: [Double], restaurantID: String) -> (staff: Double, peers: Double, model: String)? {
        guard let pair = pairs[target], let driving = pair.driving, let peers = pair.restaurantRisk[restaurantID]?.value else { return nil }
        return (driving.model.predictProbabilities(features)[1], peers, driving.name)
    }

    /// Prequential quality per target and model, for summaries and metrics.
    public func quality() -> [(target: Target, model: String, quality: Quality)] {
        Target.allCases.flatMap { target in pairs[target]!.qualities.map { (target, $0.model, $0.quality) } }
    }

    /// Each restaurant's prequential quality on guest dissatisfaction, per model, with whether
    /// the model drives the scoring now and the changes its drift detector saw there.
    public func restaurantQuality() -> [RestaurantModelQuality] {
        let pair = pairs[.dissatisfied]!
        return pair.qualities.flatMap { model, quality in
            quality.byRestaurant.map { restaurantID, metrics in
                RestaurantModelQuality(
                    restaurantID: restaurantID, model: model, driving: pair.drivingName == model, examples: Int(metrics.count), logLoss: metrics.logLoss,
                    rocAUC: metrics.rocAUC, f1: metrics.f1, driftsDetected: driftsDetected[restaurantID] ?? 0)
            }
        }
    }

    /// The model that drives each target now (nil: not enough evidence yet).
    public func drivingModel(_ target: Target) -> String? { pairs[target]?.driving?.name }
}

/// One model's prequential record on one restaurant's guest dissatisfaction.
public struct RestaurantModelQuality: Sendable, Hashable {
    public var restaurantID: String
    public var model: String
    /// Whether this model scores the restaurant's staff now.
    public var driving: Bool
    public var examples: Int
    public var logLoss: Double
    public var rocAUC: Double
    public var f1: Double
    /// Changes in the restaurant's relationship its drift detector saw (both models share it).
    public var driftsDetected: Int
}
