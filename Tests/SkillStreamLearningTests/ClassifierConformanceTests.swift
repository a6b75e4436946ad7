import Testing

@testable import SkillStreamLearning

/// One suite that every classifier passes: valid probabilities whatever the input, unseen
/// nominal values and missing values handled, and snapshots that restore bit for bit.
@Suite struct ClassifierConformanceTests {
    /// Each learner, freshly made, for a schema and class count.
    static let factories: [(name: String, classes: Int, make: @Sendable (FeatureSchema) -> any OnlineClassifier)] = [
        ("logistic-sgd", 2, { LogisticRegression(schema: $0) }),
        ("logistic-adagrad-scaled", 2, { LogisticRegression(schema: $0, configuration: .init(optimizer: .adaGrad(learningRate: 0.1), standardize: true)) }),
        ("logistic-adam-l2", 2, { LogisticRegression(schema: $0, configuration: .init(optimizer: .adam(learningRate: 0.01), l2: 0.01, standardize: true)) }),
        ("hoeffding-tree", 3, { HoeffdingTree(schema: $0, classCount: 3, configuration: small()) }),
        ("hoeffding-tree-gini-binary-nb", 3, {
            var configuration = small()
            configuration.splitCriterion = .gini
            configuration.binarySplitsOnly = true
            configuration.leafPrediction = .naiveBayes
            return HoeffdingTree(schema: $0, classCount: 3, configuration: configuration)
        }),
        ("hoeffding-adaptive-tree", 3, { HoeffdingAdaptiveTree(schema: $0, classCount: 3, configuration: small()) }),
    ]

    /// Grows quickly so that short test streams exercise splits.
    static func small() -> HoeffdingTreeConfiguration {
        var configuration = HoeffdingTreeConfiguration()
        configuration.gracePeriod = 50
        configuration.splitConfidence = 1e-3
        return configuration
    }

    static func stream(classes: Int, count: Int = 6_000, seed: UInt64 = 7) -> [(features: [Double], label: Int)] {
        TestStreams.mixed(count: count, seed: seed).map { ($0.features, classes == 2 ? ($0.label == 2 ? 1 : 0) : $0.label) }
    }

    static func expectValidProbabilities(_ probabilities: [Double], classes: Int, _ context: String) {
        #expect(probabilities.count == classes, "\(context): \(probabilities.count) probabilities")
        #expect(probabilities.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "\(context): \(probabilities)")
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-9, "\(context): sum \(probabilities.reduce(0, +))")
    }

    @Test(arguments: factories.indices)
    func probabilitiesAreValidBeforeAndWhileLearning(_ index: Int) {
        let (name, classes, make) = Self.factories[index]
        let model = make(TestStreams.mixedSchema)
        Self.expectValidProbabilities(model.predictProbabilities([1, 2, 0]), classes: classes, "\(name) untrained")
        #expect(Set(model.predictProbabilities([1, 2, 0])).count == 1, "\(name): an untrained model has no opinion")
        for (step, example) in Self.stream(classes: classes).enumerated() {
            let probabilities = model.predictProbabilities(example.features)
            if step % 97 == 0 { Self.expectValidProbabilities(probabilities, classes: classes, "\(name) step \(step)") }
            model.learn(example.features, label: example.label)
        }
    }

    @Test(arguments: factories.indices)
    func extremeMissingAndUnseenValuesNeverProduceNaN(_ index: Int) {
        let (name, classes, make) = Self.factories[index]
        let model = make(TestStreams.mixedSchema)
        for example in Self.stream(classes: classes, count: 3_000) { model.learn(example.features, label: example.label) }
        let awkward: [[Double]] = [
            [.nan, .nan, .nan],  // all missing
            [1e300, -1e300, 3],  // extreme
            [4, 0, 57],  // a nominal code never seen
            [4, 0, 2.5],  // not a valid code
            [-.infinity, .infinity, 1],
        ]
        for features in awkward {
            Self.expectValidProbabilities(model.predictProbabilities(features), classes: classes, "\(name) \(features)")
            model.learn(features, label: classes - 1)
            Self.expectValidProbabilities(model.predictProbabilities([5, 0, 1]), classes: classes, "\(name) after learning \(features)")
        }
    }

    @Test(arguments: factories.indices)
    func learningFromItsOwnStreamBeatsTheMajorityClass(_ index: Int) {
        let (name, classes, make) = Self.factories[index]
        let model = make(TestStreams.mixedSchema)
        let stream = Self.stream(classes: classes, count: 12_000)
        var correct = 0
        for example in stream {
            if model.predictClass(example.features) == example.label { correct += 1 }
            model.learn(example.features, label: example.label)
        }
        var counts = [Int](repeating: 0, count: classes)
        for example in stream { counts[example.label] += 1 }
        #expect(correct > counts.max()!, "\(name): \(correct) correct vs majority \(counts.max()!)")
    }

    /// A restored model predicts identically and goes on learning identically.
    @Test(arguments: factories.indices)
    func snapshotRestoresBitForBitAndKeepsLearningIdentically(_ index: Int) throws {
        let (name, classes, make) = Self.factories[index]
        let original = make(TestStreams.mixedSchema)
        let stream = Self.stream(classes: classes, count: 8_000, seed: 11)
        for example in stream.prefix(4_000) { original.learn(example.features, label: example.label) }
        let restored = try Self.restore(original.snapshot(), like: original)
        #expect(restored.snapshot() == original.snapshot(), "\(name): snapshot of the restored model differs")
        for example in stream.suffix(4_000) {
            let expected = original.predictProbabilities(example.features)
            let actual = restored.predictProbabilities(example.features)
            #expect(expected.map(\.bitPattern) == actual.map(\.bitPattern), "\(name): predictions diverge")
            original.learn(example.features, label: example.label)
            restored.learn(example.features, label: example.label)
        }
        #expect(restored.snapshot() == original.snapshot(), "\(name): learning diverged after restore")
    }

    @Test(arguments: factories.indices)
    func freshCopyHasTheHyperParametersButNoneOfTheLearning(_ index: Int) throws {
        let (name, classes, make) = Self.factories[index]
        let model = make(TestStreams.mixedSchema)
        for example in Self.stream(classes: classes, count: 2_000) { model.learn(example.features, label: example.label) }
        let copy = model.freshCopy()
        #expect(copy.snapshot() == make(TestStreams.mixedSchema).snapshot(), "\(name)")
        #expect(copy.snapshot() != model.snapshot(), "\(name)")
    }

    @Test func corruptSnapshotsAreRejectedWithAnError() throws {
        let tree = HoeffdingTree(schema: TestStreams.mixedSchema)
        for example in Self.stream(classes: 2, count: 1_000) { tree.learn(example.features, label: example.label) }
        let bytes = tree.snapshot()
        #expect(throws: LearningError.self) { try HoeffdingTree(snapshot: Array(bytes.prefix(bytes.count / 2))) }
        #expect(throws: LearningError.self) { try HoeffdingTree(snapshot: bytes + [0]) }
        #expect(throws: LearningError.self) { try HoeffdingAdaptiveTree(snapshot: bytes) }  // another kind
        #expect(throws: LearningError.self) { try LogisticRegression(snapshot: []) }
    }

    static func restore(_ bytes: [UInt8], like model: any OnlineClassifier) throws -> any OnlineClassifier {
        switch model {
        case is LogisticRegression: try LogisticRegression(snapshot: bytes)
        case is HoeffdingAdaptiveTree: try HoeffdingAdaptiveTree(snapshot: bytes)
        default: try HoeffdingTree(snapshot: bytes)
        }
    }
}
