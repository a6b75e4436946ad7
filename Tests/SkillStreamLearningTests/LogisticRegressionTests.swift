import RealModule
import Testing

@testable import SkillStreamLearning

@Suite struct LogisticRegressionTests {
    static let schema = try! FeatureSchema(names: ["a", "b", "c"])

    /// Labels drawn from known weights: the learned weights converge to them.
    @Test(arguments: [
        LogisticRegression.Optimizer.adaGrad(learningRate: 0.5), .sgd(learningRate: 0.01), .adam(learningRate: 0.005),
    ])
    func convergesToTheWeightsThatGeneratedTheLabels(_ optimizer: LogisticRegression.Optimizer) {
        let truth = [2.0, -1.0, 0.5]
        let model = LogisticRegression(
            schema: Self.schema, configuration: .init(optimizer: optimizer, interceptLearningRate: 0.01, standardize: false))
        for example in TestStreams.logistic(weights: truth, intercept: -0.5, count: 300_000, seed: 1) {
            model.learn(example.features, label: example.label)
        }
        for (learned, expected) in zip(model.weights, truth) {
            #expect(abs(learned - expected) < 0.15, "\(optimizer): \(model.weights) vs \(truth)")
        }
        #expect(abs(model.intercept - -0.5) < 0.15, "\(optimizer): intercept \(model.intercept)")
    }

    @Test func sgdStepMatchesTheGradientByHand() {
        let model = LogisticRegression(schema: Self.schema, configuration: .init(optimizer: .sgd(learningRate: 0.1), interceptLearningRate: 0.2))
        // Untrained: p = 0.5; label 1 gives error −0.5, so w ← 0 − 0.1·(−0.5·x) and b ← 0 − 0.2·(−0.5).
        model.learn([1, -2, 4], label: 1)
        #expect(model.weights == [0.05, -0.1, 0.2])
        #expect(model.intercept == 0.1)
    }

    @Test func standardisationUsesTheStatisticsOfEarlierExamples() {
        let model = LogisticRegression(schema: Self.schema, configuration: .init(standardize: true))
        // First example: no statistics yet, so every feature scales to 0 and only the intercept moves.
        model.learn([100, 200, 300], label: 1)
        #expect(model.weights == [0, 0, 0])
        #expect(model.intercept == 0.005)
    }

    @Test func contributionsAddUpToTheMargin() {
        let model = LogisticRegression(schema: Self.schema, configuration: .init(optimizer: .adaGrad(learningRate: 0.5)))
        for example in TestStreams.logistic(weights: [2, -1, 0.5], intercept: 0, count: 5_000, seed: 4) {
            model.learn(example.features, label: example.label)
        }
        let features = [0.3, -1.2, 2.0]
        let (perFeature, intercept) = model.contributions(features)
        let margin = perFeature.reduce(intercept, +)
        let probability = model.probabilityOfPositive(features)
        #expect(abs(1 / (1 + Double.exp(-margin)) - probability) < 1e-12)
        #expect(perFeature[0] > 0 && perFeature[1] > 0, "a positive weight on a positive value and a negative weight on a negative value both push up")
    }
}

