import RealModule

/// The machinery both Hoeffding trees share: growing by Hoeffding-bound split decisions,
/// leaf prediction, memory management and, for the adaptive tree, error monitors and alternate
/// subtrees. Nodes change in place, so no node needs to know its parent.
final class HoeffdingTreeEngine {
    let schema: FeatureSchema
    let classCount: Int
    let configuration: HoeffdingTreeConfiguration
    let adaptive: Bool

    /// The engine's changing state, behind a pointer it owns so that the per-example reads
    /// cost no dynamic exclusivity checks.
    private let state: UnsafeMutablePointer<State>

    struct State {
        var root: TreeNode?
        var learnedExamples = 0
        var growthAllowed = true
        /// Adaptive tree: alternate subtrees started, switched in, and pruned.
        var alternatesStarted = 0
        var alternatesSwitched = 0
        var alternatesPruned = 0
    }

    var root: TreeNode? {
        @inline(__always) get { state.pointee.root }
        set { state.pointee.root = newValue }
    }

    var learnedExamples: Int {
        get { state.pointee.learnedExamples }
        set { state.pointee.learnedExamples = newValue }
    }

    var growthAllowed: Bool {
        @inline(__always) get { state.pointee.growthAllowed }
        set { state.pointee.growthAllowed = newValue }
    }

    var alternatesStarted: Int {
        get { state.pointee.alternatesStarted }
        set { state.pointee.alternatesStarted = newValue }
    }

    var alternatesSwitched: Int {
        get { state.pointee.alternatesSwitched }
        set { state.pointee.alternatesSwitched = newValue }
    }

    var alternatesPruned: Int {
        get { state.pointee.alternatesPruned }
        set { state.pointee.alternatesPruned = newValue }
    }

    init(schema: FeatureSchema, classCount: Int, configuration: HoeffdingTreeConfiguration, adaptive: Bool) {
        precondition(classCount >= 2, "a classifier needs at least two classes")
        self.schema = schema
        self.classCount = classCount
        self.configuration = configuration
        self.adaptive = adaptive
        self.state = .allocate(capacity: 1)
        state.initialize(to: State())
        self.hasNominalFeatures = schema.isNominal.contains(true)
        self.numericFeatures = schema.isNominal.indices.filter { !schema.isNominal[$0] }
        self.nominalFeatures = schema.isNominal.indices.filter { schema.isNominal[$0] }
        self.scratch = .allocate(capacity: classCount)
        scratch.initialize(repeating: 0)
        self.accumulators = .allocate(capacity: 4 * classCount)
        accumulators.initialize(repeating: 0, count: 4 * classCount)
        self.memo = .allocate(capacity: 1)
        memo.initialize(to: (nil, 0))
        self.memoFeatures = .allocate(capacity: max(1, schema.count))
        memoFeatures.initialize(repeating: 0, count: max(1, schema.count))
    }

    deinit {
        scratch.deallocate()
        memo.deallocate()
        memoFeatures.deallocate()
        accumulators.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    let hasNominalFeatures: Bool
    /// Indices of the numeric and of the nominal features.
    let numericFeatures: [Int]
    let nominalFeatures: [Int]
    /// Per-class scratch space for naive Bayes scores (the engine is used by one task at a time).
    let scratch: UnsafeMutableBufferPointer<Double>
    /// Per-class accumulators of naive Bayes (four rows of `classCount`).
    let accumulators: UnsafeMutablePointer<Double>
    /// The last naive Bayes class computed at a leaf, and the example it was for.
    private let memo: UnsafeMutablePointer<(leaf: ObjectIdentifier?, label: Int)>
    private let memoFeatures: UnsafeMutablePointer<Double>

    func newLeaf(_ classCounts: [Double]? = nil) -> TreeNode {
        TreeNode(classCounts: classCounts ?? Array(repeating: 0, count: classCount), featureCount: schema.count)
    }

    // MARK: - Learning

    func learn(_ features: [Double], label: Int, weight: Double) {
        precondition(features.count == schema.count, "example has \(features.count) features, schema \(schema.count)")
        precondition(label >= 0 && label < classCount, "label \(label) outside 0..<\(classCount)")
        guard weight > 0, weight.isFinite else { return }
        if root == nil { root = newLeaf() }
        state.pointee.learnedExamples += 1
        if adaptive {
            var predictions: [ObjectIdentifier: Int] = [:]
            learnAdaptive(root!, features, label: label, weight: weight, depth: 0, predictions: &predictions)
        } else {
            var node = Unmanaged.passUnretained(root!)
            var depth = 0
            while true {
                let step: (next: Unmanaged<TreeNode>?, stop: Bool) = node._withUnsafeGuaranteedRef { current in
                    switch current.branch(features) {
                    case .none: return (nil, false)  // a leaf
                    case .some(.none): return (nil, true)  // missing value: learning stops at the split
                    case .some(.some(let branch)):
                        return (current.unretainedChild(branch) ?? Unmanaged.passUnretained(child(of: current, branch: branch)), false)
                    }
                }
                if step.stop { return }
                guard let next = step.next else { break }
                node = next
                depth += 1
            }
            node._withUnsafeGuaranteedRef { leaf in
                learnAtLeaf(leaf, features, label: label, weight: weight)
                if growthAllowed && leaf.isActive { considerSplit(leaf, depth: depth) }
            }
        }
        if learnedExamples % configuration.memoryEstimatePeriod == 0 { enforceMemoryLimit() }
    }

    /// The child on a branch, created as a new leaf when the branch was never taken (a nominal
    /// value unseen when the node split).
    private func child(of node: TreeNode, branch: Int) -> TreeNode {
        if let child = node.child(branch) { return child }
        let leaf = newLeaf()
        node.setChild(branch, leaf)
        return leaf
    }

    /// Updates a leaf's class counts, observers and the adaptive-prediction tallies.
    private func learnAtLeaf(_ node: TreeNode, _ features: [Double], label: Int, weight: Double) {
        if node.isActive && configuration.leafPrediction == .adaptiveNaiveBayes {
            if node.weightSeen > 0 && node.majorityClass == label { node.majorityCorrectWeight += weight }
            if naiveBayesClass(node, features) == label { node.naiveBayesCorrectWeight += weight }
        }
        forgetNaiveBayes()
        node.addCount(label, weight)
        guard let gaussians = node.gaussians else { return }
        let stride = NumericObserver.stride
        let width = classCount * stride
        for index in numericFeatures {
            let value = features[index]
            guard value.isFinite else { continue }  // missing (NaN) or infinite: not observed, as MOA
            NumericObserver.observe(value, weight: weight, into: gaussians + index * width + label * stride)
        }
        guard hasNominalFeatures else { return }
        for index in nominalFeatures {
            guard let code = nominalCode(features[index]) else { continue }
            if let observer = node.unretainedNominal(index) {
                observer._withUnsafeGuaranteedRef { $0.observe(code, label: label, weight: weight) }
            } else {
                let observer = NominalObserver(classCount: classCount)
                observer.observe(code, label: label, weight: weight)
                node.setNominal(index, observer)
            }
        }
    }

    private func considerSplit(_ node: TreeNode, depth: Int) {
        let seen = node.weightSeen
        guard seen - node.weightAtLastSplitEvaluation >= configuration.gracePeriod else { return }
        if configuration.maxDepth.map({ depth < $0 }) ?? true { attemptSplit(node) }
        node.weightAtLastSplitEvaluation = seen
    }

    /// A candidate split: the test (nil for "do not split"), the class weights per branch, its merit.
    struct Candidate {
        var test: SplitTest?
        var branches: [[Double]]
        var merit: Double
    }

    /// MOA's attemptToSplit: split on the best candidate when it beats the second best by more
    /// than the Hoeffding bound, or when the bound has shrunk below the tie threshold.
    func attemptSplit(_ node: TreeNode) {
        forgetNaiveBayes()
        guard !node.isPure else { return }
        let before = node.classCounts
        let criterion = configuration.splitCriterion
        var candidates: [Candidate] = []
        if configuration.prePrune {
            candidates.append(Candidate(test: nil, branches: [before], merit: criterion.merit(before: before, after: [before])))
        }
        for feature in 0..<schema.count {
            if let best = bestCandidate(node, feature: feature, before: before) { candidates.append(best) }
        }
        // Ascending by merit; equal merits keep their order, so the later feature wins a tie (as MOA).
        let ranked = candidates.enumerated().sorted { ($0.element.merit, $0.offset) < ($1.element.merit, $1.offset) }.map(\.element)
        let shouldSplit: Bool
        if ranked.count < 2 {
            shouldSplit = !ranked.isEmpty
        } else {
            let bound = hoeffdingBound(
                range: criterion.rangeOfMerit(classCount: classCount), confidence: configuration.splitConfidence, observations: node.weightSeen)
            let best = ranked[ranked.count - 1]
            let second = ranked[ranked.count - 2]
            shouldSplit = best.merit - second.merit > bound || bound < configuration.tieThreshold
        }
        guard shouldSplit, let decision = ranked.last else { return }
        if let test = decision.test {
            node.test = test
            node.children = decision.branches.map { newLeaf($0) }
            node.deactivate()
            // As MOA's new AdaSplitNode: its own error monitor and generator start afresh.
            node.errorMonitor = nil
            node.bootstrap = nil
        } else {
            node.deactivate()  // pre-pruned: not splitting is best
        }
        enforceMemoryLimit()
    }

    private func bestCandidate(_ node: TreeNode, feature: Int, before: [Double]) -> Candidate? {
        let criterion = configuration.splitCriterion
        var best: Candidate?
        func consider(_ test: SplitTest, _ branches: [[Double]]) {
            let merit = criterion.merit(before: before, after: branches)
            if best == nil || merit > best!.merit { best = Candidate(test: test, branches: branches, merit: merit) }
        }
        if schema.isNominal[feature] {
            guard let nominal = node.nominals[feature] else { return nil }
            if !configuration.binarySplitsOnly { consider(.nominalMultiway(feature: feature), nominal.multiwaySplit()) }
            for code in 0..<nominal.valueCount { consider(.nominalBinary(feature: feature, value: code), nominal.binarySplit(on: code)) }
        } else {
            guard let numeric = node.numericObserver(feature) else { return nil }
            for threshold in numeric.splitPoints(bins: configuration.numericSplitPoints) {
                consider(.numeric(feature: feature, threshold: threshold), numeric.binarySplit(at: threshold))
            }
        }
        return best
    }

    // MARK: - Memory

    /// MOA's enforceTrackerLimit: keeps the most promising leaves active within the byte bound.
    /// With memory to spare this also reactivates inactive leaves (pre-pruned ones included),
    /// which then start gathering statistics afresh, as in MOA.
    func enforceMemoryLimit() {
        forgetNaiveBayes()
        guard let root else { return }
        var leaves: [TreeNode] = []
        collectLeaves(root, into: &leaves)
        let active = leaves.filter(\.isActive)
        let inactiveCount = leaves.count - active.count
        let activeSize = active.isEmpty ? 0 : Double(active.reduce(0) { $0 + $1.estimatedByteSize }) / Double(active.count)
        let inactiveSize = Double(128 + classCount * 8)
        let limit = Double(configuration.maxByteSize)
        guard inactiveCount > 0 || Double(active.count) * activeSize + Double(inactiveCount) * inactiveSize > limit else { return }
        if configuration.stopMemoryManagement && Double(active.count) * activeSize + Double(inactiveCount) * inactiveSize > limit {
            growthAllowed = false
            return
        }
        let byPromise = leaves.enumerated().sorted { ($0.element.promise, $0.offset) < ($1.element.promise, $1.offset) }.map(\.element)
        let estimatedActiveSize = activeSize > 0 ? activeSize : Double(newLeaf().estimatedByteSize)
        var maxActive = 0
        while maxActive < byPromise.count {
            maxActive += 1
            if (Double(maxActive) * estimatedActiveSize + Double(byPromise.count - maxActive) * inactiveSize) > limit {
                maxActive -= 1
                break
            }
        }
        let cutoff = byPromise.count - maxActive
        for (index, leaf) in byPromise.enumerated() {
            if index < cutoff {
                if leaf.isActive { leaf.deactivate() }
            } else if !leaf.isActive {
                leaf.activate()
            }
        }
    }

    private func collectLeaves(_ node: TreeNode, into leaves: inout [TreeNode]) {
        if node.isLeaf {
            leaves.append(node)
        } else {
            for child in node.children { if let child { collectLeaves(child, into: &leaves) } }
        }
    }

    // MARK: - Prediction

    /// The node an example reaches: a leaf, or the split node where its value is missing or its
    /// branch was never grown.
    func reach(_ features: [Double], path: ((TreeNode, Int) -> Void)? = nil) -> TreeNode? {
        guard let start = state.pointee.root.map(Unmanaged.passUnretained) else { return nil }
        // Descends without reference counting: the tree holds every node meanwhile.
        var node = start
        while true {
            let next: Unmanaged<TreeNode>? = node._withUnsafeGuaranteedRef { current in
                guard case .some(.some(let branch)) = current.branch(features), let child = current.unretainedChild(branch) else { return nil }
                path?(current, branch)
                return child
            }
            guard let next else { break }
            node = next
        }
        return node.takeUnretainedValue()
    }

    func predictProbabilities(_ features: [Double]) -> [Double] {
        var probabilities = [Double](repeating: 0, count: classCount)
        probabilities.withUnsafeMutableBufferPointer { predictProbabilities(features, into: $0) }
        return probabilities
    }

    /// Writes the class probabilities for an example into `output` (no allocation).
    func predictProbabilities(_ features: [Double], into output: UnsafeMutableBufferPointer<Double>) {
        precondition(features.count == schema.count, "example has \(features.count) features, schema \(schema.count)")
        precondition(output.count >= classCount, "the output holds \(output.count) of \(classCount) probabilities")
        guard let node = reach(features) else {
            output.update(repeating: 1 / Double(classCount))
            return
        }
        _ = writeLeafProbabilities(node, features, into: output)
    }

    /// A node's class probabilities and whether they came from naive Bayes.
    func leafProbabilities(_ node: TreeNode, _ features: [Double]) -> (probabilities: [Double], mode: LeafPrediction) {
        var probabilities = [Double](repeating: 0, count: classCount)
        let mode = probabilities.withUnsafeMutableBufferPointer { writeLeafProbabilities(node, features, into: $0) }
        return (probabilities, mode)
    }

    /// Writes a node's class probabilities into `output`; returns how it predicted. When naive
    /// Bayes runs at an active leaf, its class is remembered for the learning step that usually
    /// follows with the same example (test-then-train), which then need not compute it again.
    @discardableResult
    func writeLeafProbabilities(_ node: TreeNode, _ features: [Double], into output: UnsafeMutableBufferPointer<Double>) -> LeafPrediction {
        let useBayes: Bool
        if !node.isLeaf || !node.isActive {
            useBayes = false
        } else {
            switch configuration.leafPrediction {
            case .majorityClass: useBayes = false
            case .naiveBayes: useBayes = true
            case .adaptiveNaiveBayes: useBayes = node.majorityCorrectWeight <= node.naiveBayesCorrectWeight
            }
        }
        if useBayes {
            naiveBayesLogScores(node, features, into: output)
            var top = -Double.infinity
            var best = 0
            for label in 0..<classCount where output[label] > top {
                top = output[label]
                best = label
            }
            rememberNaiveBayes(node, features, best)
            if top > -.infinity {
                var sum = 0.0
                for label in 0..<classCount {
                    output[label] = Double.exp(output[label] - top)
                    sum += output[label]
                }
                for label in 0..<classCount { output[label] /= sum }
                return .naiveBayes
            }
        }
        var sum = 0.0
        for label in 0..<classCount { sum += max(0, node.count(label)) }
        for label in 0..<classCount { output[label] = sum > 0 ? max(0, node.count(label)) / sum : 1 / Double(classCount) }
        return .majorityClass
    }

    // MARK: - Naive Bayes memo (test-then-train)

    private func rememberNaiveBayes(_ node: TreeNode, _ features: [Double], _ label: Int) {
        memo.pointee.leaf = ObjectIdentifier(node)
        memo.pointee.label = label
        for index in 0..<schema.count { memoFeatures[index] = features[index] }
    }

    /// The naive Bayes class remembered for this leaf and exactly these features, if any; the
    /// memo is consumed, since learning changes the leaf.
    private func takeRememberedNaiveBayes(_ node: TreeNode, _ features: [Double]) -> Int? {
        guard memo.pointee.leaf == ObjectIdentifier(node) else { return nil }
        memo.pointee.leaf = nil
        for index in 0..<schema.count {
            // Bit patterns, so that NaN (a missing value) matches itself.
            guard memoFeatures[index].bitPattern == features[index].bitPattern else { return nil }
        }
        return memo.pointee.label
    }

    private func forgetNaiveBayes() { memo.pointee.leaf = nil }

    /// Naive Bayes' class (MOA's choice of class 0 when every class has zero probability).
    private func naiveBayesClass(_ node: TreeNode, _ features: [Double]) -> Int {
        if let remembered = takeRememberedNaiveBayes(node, features) { return remembered }
        naiveBayesLogScores(node, features, into: scratch)
        var best = 0
        for index in 1..<classCount where scratch[index] > scratch[best] { best = index }
        return best
    }

    /// log P(class) + Σ log P(feature | class) from the leaf's observers, written into `scores`;
    /// -∞ for a class the evidence rules out. Features a leaf has not observed, and missing or
    /// infinite values, do not count. Computed in log space so that many small densities do not
    /// underflow, with one logarithm per class: the prior, the Gaussian normalisers and the
    /// nominal probabilities are multiplied first and their product logged once (falling back to
    /// a logarithm per term if that product leaves Double's normal range).
    func naiveBayesLogScores(_ node: TreeNode, _ features: [Double], into scores: UnsafeMutableBufferPointer<Double>) {
        let total = node.weightSeen
        guard total > 0 else {
            scores.update(repeating: -.infinity)
            return
        }
        // Per class: the linear product, Σ (x − μ)² / 2σ², logs taken early, Gaussian terms.
        let product = accumulators
        let exponent = accumulators + classCount
        let logTerms = accumulators + 2 * classCount
        let gaussianTerms = accumulators + 3 * classCount
        for label in 0..<classCount {
            let count = node.count(label)
            product[label] = count > 0 ? count / total : 0  // 0: ruled out
            exponent[label] = 0
            logTerms[label] = 0
            gaussianTerms[label] = 0
        }
        @inline(__always) func multiply(_ label: Int, _ factor: Double) {
            product[label] *= factor
            if !product[label].isNormal && product[label] != 0 {
                logTerms[label] += Double.log(product[label])
                product[label] = 1
            }
        }
        if let gaussians = node.gaussians {
            let stride = NumericObserver.stride
            let width = classCount * stride
            for index in numericFeatures {
                let value = features[index]
                guard value.isFinite else { continue }
                let base = gaussians + index * width
                var observed = false
                for label in 0..<classCount where base[label * stride] > 0 { observed = true }
                guard observed else { continue }
                for label in 0..<classCount where product[label] != 0 {
                    let statistics = base + label * stride
                    let weight = statistics[0]
                    guard weight > 0 else {
                        product[label] = 0
                        continue
                    }
                    let variance = weight > 1 ? statistics[2] / (weight - 1) : 0
                    let difference = value - statistics[1]
                    if variance > 0 {
                        exponent[label] += difference * difference / (2 * variance)
                        gaussianTerms[label] += 1
                        multiply(label, 1 / variance.squareRoot())
                    } else if difference != 0 {
                        product[label] = 0
                    }
                }
            }
        }
        if hasNominalFeatures {
            for index in nominalFeatures {
                guard let nominal = node.unretainedNominal(index), let code = nominalCode(features[index]) else { continue }
                nominal._withUnsafeGuaranteedRef { nominal in
                    for label in 0..<classCount where product[label] != 0 {
                        let probability = nominal.probability(of: code, label: label)
                        if probability > 0 { multiply(label, probability) } else { product[label] = 0 }
                    }
                }
            }
        }
        for label in 0..<classCount {
            scores[label] = product[label] == 0
                ? -.infinity : Double.log(product[label]) + logTerms[label] - gaussianTerms[label] * Gaussian.logSqrtTwoPi - exponent[label]
        }
    }

    func explain(_ features: [Double]) -> TreeExplanation {
        precondition(features.count == schema.count, "example has \(features.count) features, schema \(schema.count)")
        var path: [TreeDecision] = []
        let node = reach(features) { node, branch in
            let test = node.test!
            path.append(TreeDecision(feature: self.schema.names[test.feature], condition: test.describe(branch: branch, names: self.schema.names)))
        }
        guard let node else {
            return TreeExplanation(
                path: [], leafClassCounts: Array(repeating: 0, count: classCount), leafPrediction: .majorityClass,
                probabilities: Array(repeating: 1 / Double(classCount), count: classCount))
        }
        let (probabilities, mode) = leafProbabilities(node, features)
        return TreeExplanation(path: path, leafClassCounts: node.classCounts, leafPrediction: mode, probabilities: probabilities)
    }

    // MARK: - Adaptive tree (MOA's HoeffdingAdaptiveTree)

    /// The class the subtree under `node` predicts for an example, memoised per leaf for the
    /// duration of one learning step (leaves do not change until the step reaches them).
    private func subtreePrediction(_ node: TreeNode, _ features: [Double], _ memo: inout [ObjectIdentifier: Int]) -> Int {
        var current = node
        while let test = current.test {
            guard let branch = test.branch(features), let child = current.child(branch) else {
                // Stopped at a split: MOA predicts class 0 for a missing leaf, the counts for a missing value.
                return test.branch(features) == nil ? argmax(current.classCounts) : 0
            }
            current = child
        }
        let key = ObjectIdentifier(current)
        if let cached = memo[key] { return cached }
        let prediction = argmax(leafProbabilities(current, features).probabilities)
        memo[key] = prediction
        return prediction
    }

    /// Feeds the node's error monitor; true when the error rate has significantly increased.
    private func monitorError(_ node: TreeNode, correct: Bool) -> Bool {
        let (changed, before, after) = node.updateErrorMonitor(correct ? 0 : 1, delta: configuration.driftConfidence)
        return changed && before <= after  // only an increase of the error counts
    }

    private func learnAdaptive(
        _ node: TreeNode, _ features: [Double], label: Int, weight: Double, depth: Int, predictions: inout [ObjectIdentifier: Int]
    ) {
        guard let test = node.test else {
            let correct = subtreePrediction(node, features, &predictions) == label
            _ = monitorError(node, correct: correct)
            var weighted = weight
            if configuration.bootstrapSampling {
                let draws = node.drawBootstrapCount(seed: Int64(bitPattern: configuration.seed))
                if draws > 0 { weighted = weight * Double(draws) }
            }
            learnAtLeaf(node, features, label: label, weight: weighted)
            if node.isActive { considerSplit(node, depth: depth) }
            return
        }
        let correct = subtreePrediction(node, features, &predictions) == label
        if monitorError(node, correct: correct) {
            node.alternate = newLeaf()
            alternatesStarted += 1
        } else if let alternate = node.alternate, let alternateMonitor = alternate.errorMonitor, let monitor = node.errorMonitor,
            monitor.width > 300 && alternateMonitor.width > 300
        {
            let oldErrorRate = monitor.estimation
            let alternateErrorRate = alternateMonitor.estimation
            let samples = 1 / Double(alternateMonitor.width) + 1 / Double(monitor.width)
            let bound = (2 * oldErrorRate * (1 - oldErrorRate) * Double.log(2 / 0.05) * samples).squareRoot()
            if bound < oldErrorRate - alternateErrorRate {
                node.adopt(alternate)
                forgetNaiveBayes()
                predictions.removeAll()  // leaves of the replaced subtree are gone
                alternatesSwitched += 1
                learnAdaptive(node, features, label: label, weight: weight, depth: depth, predictions: &predictions)
                return
            } else if bound < alternateErrorRate - oldErrorRate {
                node.alternate = nil
                alternatesPruned += 1
            }
        }
        if let alternate = node.alternate {
            learnAdaptive(alternate, features, label: label, weight: weight, depth: depth, predictions: &predictions)
        }
        guard let branch = test.branch(features) else { return }
        learnAdaptive(child(of: node, branch: branch), features, label: label, weight: weight, depth: depth + 1, predictions: &predictions)
    }
}

@inline(__always)
func argmax(_ values: [Double]) -> Int {
    var best = 0
    for index in values.indices where values[index] > values[best] { best = index }
    return best
}

