import Testing

@testable import SkillStreamLearning

@Suite struct HoeffdingTreeTests {
    @Test func gaussianStatisticsAreTheSampleMeanAndVariance() {
        var statistics = [Double](repeating: 0, count: 2 * NumericObserver.stride)
        statistics.withUnsafeMutableBufferPointer { buffer in
            for value in [1.0, 2, 3] { NumericObserver.observe(value, weight: 1, into: buffer.baseAddress!) }
            let observer = NumericObserver(statistics: UnsafeBufferPointer(buffer))
            #expect(observer.weight(0) == 3 && observer.mean(0) == 2 && observer.variance(0) == 1)
            #expect(observer.weight(1) == 0 && observer.density(5, label: 1) == 0)
        }
    }

    /// Split points and class weights per branch, worked out by hand: 10 thresholds evenly inside
    /// [1, 9]; at 1 + 8/11 class 0's Gaussian N(2, 1) puts φ(−0.2727)·3 = 1.15313 at the
    /// threshold and (Φ(−0.2727) − φ)·3 = 0.02446 below it; class 1 lies wholly above.
    @Test func gaussianSplitPointsAndBranchWeightsMatchHandComputation() {
        var statistics = [Double](repeating: 0, count: 2 * NumericObserver.stride)
        statistics.withUnsafeMutableBufferPointer { buffer in
            for value in [1.0, 2, 3] { NumericObserver.observe(value, weight: 1, into: buffer.baseAddress!) }
            for value in [7.0, 8, 9] { NumericObserver.observe(value, weight: 1, into: buffer.baseAddress! + NumericObserver.stride) }
            let observer = NumericObserver(statistics: UnsafeBufferPointer(buffer))
            let points = observer.splitPoints(bins: 10)
            #expect(points.count == 10)
            for (index, point) in points.enumerated() { #expect(abs(point - (1 + 8.0 / 11 * Double(index + 1))) < 1e-12) }

            let branches = observer.binarySplit(at: 1 + 8.0 / 11)
            #expect(abs(branches[0][0] - (1.153134253371777 + 0.02446004944956215)) < 1e-9)
            #expect(abs(branches[1][0] - 1.8224056971786609) < 1e-9)
            #expect(branches[0][1] == 0 && branches[1][1] == 3)
            // Information gain of that split: H([3,3]) − weighted H of the branches = 0.23119 bits.
            let gain = SplitCriterion.informationGain().merit(before: [3, 3], after: branches)
            #expect(abs(gain - 0.23118948508061965) < 1e-9)
            // Between 3 and 7 the classes separate completely: one full bit.
            #expect(SplitCriterion.informationGain().merit(before: [3, 3], after: observer.binarySplit(at: 5)) == 1)
        }
    }

    @Test func informationGainAndGiniOfSimpleDistributions() {
        #expect(abs(SplitCriterion.entropy([5, 5]) - 1) < 1e-12)
        #expect(SplitCriterion.entropy([10, 0]) == 0)
        #expect(abs(SplitCriterion.entropy([1, 3]) - 0.8112781244591328) < 1e-12)
        // A split leaving one branch with ≤ 1% of the weight is worthless.
        #expect(SplitCriterion.informationGain().merit(before: [100, 100], after: [[100, 99], [0, 1]]) == -.infinity)
        // Gini: 1 − weighted impurity; pure branches give 1, an even mix 0.5.
        #expect(SplitCriterion.gini.merit(before: [5, 5], after: [[5, 0], [0, 5]]) == 1)
        #expect(SplitCriterion.gini.merit(before: [5, 5], after: [[5, 5]]) == 0.5)
    }

    /// ε = √(R² ln(1/δ) / 2n): R = 1 bit, δ = 1e-7, n = 200 gives 0.200737.
    @Test func hoeffdingBoundMatchesItsFormula() {
        #expect(abs(hoeffdingBound(range: 1, confidence: 1e-7, observations: 200) - 0.20073674085078647) < 1e-12)
        #expect(hoeffdingBound(range: 1, confidence: 1e-7, observations: 800) < hoeffdingBound(range: 1, confidence: 1e-7, observations: 200))
    }

    @Test func treeSplitsOnTheInformativeFeatureAndExplainsThePath() throws {
        let schema = try FeatureSchema(names: ["wait_time", "noise"])
        let tree = HoeffdingTree(schema: schema)
        var random = RandomSource(seed: 3)
        for _ in 0..<5_000 {
            let wait = random.nextUnit() * 1_800
            tree.learn([wait, random.nextUnit()], label: wait > 900 ? 1 : 0)
        }
        #expect(tree.shape.splitNodes >= 1)
        let explanation = tree.explain([1_500, 0.5])
        #expect(explanation.path.first?.feature == "wait_time")
        #expect(explanation.path.first?.condition.hasPrefix("wait_time >") == true)
        #expect(explanation.probabilities[1] > 0.9)
        #expect(tree.predictClass([100, 0.5]) == 0)
    }

    @Test func nominalFeaturesSplitByValueAndUnseenValuesGrowANewLeaf() throws {
        let schema = try FeatureSchema(names: ["role"], nominal: ["role"])
        var configuration = HoeffdingTreeConfiguration()
        configuration.gracePeriod = 50
        let tree = HoeffdingTree(schema: schema, configuration: configuration)
        for index in 0..<2_000 { tree.learn([Double(index % 3)], label: index % 3 == 2 ? 1 : 0) }
        #expect(tree.shape.splitNodes == 1)
        #expect(tree.predictClass([2]) == 1 && tree.predictClass([0]) == 0)
        let before = tree.shape.leaves
        tree.learn([7], label: 1)  // a role never seen when the node split
        #expect(tree.shape.leaves == before + 1)
    }

    @Test func maxDepthStopsGrowth() throws {
        let schema = try FeatureSchema(names: ["a", "b"])
        var configuration = HoeffdingTreeConfiguration()
        configuration.maxDepth = 1
        configuration.gracePeriod = 50
        let tree = HoeffdingTree(schema: schema, configuration: configuration)
        var random = RandomSource(seed: 5)
        for _ in 0..<20_000 {
            let a = random.nextUnit()
            let b = random.nextUnit()
            tree.learn([a, b], label: (a > 0.5) != (b > 0.5) ? 1 : 0)
        }
        #expect(tree.shape.depth <= 1)
    }

    @Test func memoryBoundDeactivatesTheLeastPromisingLeaves() throws {
        let schema = try FeatureSchema(names: (0..<20).map { "f\($0)" })
        var configuration = HoeffdingTreeConfiguration()
        configuration.gracePeriod = 50
        configuration.splitConfidence = 0.01
        configuration.maxByteSize = 20_000
        configuration.memoryEstimatePeriod = 1_000
        let tree = HoeffdingTree(schema: schema, configuration: configuration)
        var random = RandomSource(seed: 9)
        for _ in 0..<30_000 {
            let features = (0..<20).map { _ in random.nextUnit() }
            tree.learn(features, label: features[0] + features[1] > 1 ? 1 : 0)
        }
        let shape = tree.shape
        #expect(shape.leaves > shape.activeLeaves, "some leaves were deactivated")
        #expect(tree.estimatedByteSize < 40_000)
    }

    @Test func adaptiveTreeRecoversAfterAnAbruptConceptChange() throws {
        let schema = try FeatureSchema(names: ["x", "y"])
        let adaptive = HoeffdingAdaptiveTree(schema: schema)
        let plain = HoeffdingTree(schema: schema)
        var random = RandomSource(seed: 21)
        var adaptiveCorrect = 0
        var plainCorrect = 0
        for index in 0..<60_000 {
            let x = random.nextUnit()
            let y = random.nextUnit()
            let label = index < 30_000 ? (x > 0.5 ? 1 : 0) : (y > 0.5 ? 1 : 0)
            if index >= 40_000 {
                if adaptive.predictClass([x, y]) == label { adaptiveCorrect += 1 }
                if plain.predictClass([x, y]) == label { plainCorrect += 1 }
            }
            adaptive.learn([x, y], label: label)
            plain.learn([x, y], label: label)
        }
        #expect(adaptive.alternateTrees.switched >= 1)
        #expect(Double(adaptiveCorrect) / 20_000 > 0.95)
        #expect(adaptiveCorrect > plainCorrect)
    }
}
