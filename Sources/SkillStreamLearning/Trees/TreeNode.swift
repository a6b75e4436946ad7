/// A test at a split node: which branch an example takes.
public enum SplitTest: Sendable, Hashable {
    /// `feature <= threshold` takes branch 0, otherwise branch 1.
    case numeric(feature: Int, threshold: Double)
    /// One branch per value code of a nominal feature.
    case nominalMultiway(feature: Int)
    /// `feature == value` takes branch 0, otherwise branch 1.
    case nominalBinary(feature: Int, value: Int)

    public var feature: Int {
        switch self {
        case .numeric(let feature, _), .nominalMultiway(let feature), .nominalBinary(let feature, _): feature
        }
    }

    /// The branch for an example, or nil when its value is missing (NaN) or not a valid code.
    @inline(__always)
    func branch(_ features: [Double]) -> Int? {
        switch self {
        case .numeric(let feature, let threshold):
            let value = features[feature]
            return value.isNaN ? nil : (value <= threshold ? 0 : 1)
        case .nominalMultiway(let feature):
            return nominalCode(features[feature])
        case .nominalBinary(let feature, let value):
            return nominalCode(features[feature]).map { $0 == value ? 0 : 1 }
        }
    }

    /// The test in words, for explanations: `name <= 12.5`, `name = 3`, `name ≠ 3`.
    func describe(branch: Int, names: [String]) -> String {
        switch self {
        case .numeric(let feature, let threshold): "\(names[feature]) \(branch == 0 ? "<=" : ">") \(threshold)"
        case .nominalMultiway(let feature): "\(names[feature]) = \(branch)"
        case .nominalBinary(let feature, let value): "\(names[feature]) \(branch == 0 ? "=" : "≠") \(value)"
        }
    }
}

/// A node of a Hoeffding tree: a leaf (active, with per-attribute observers, or inactive, with
/// class counts only) or a split node with children. The adaptive tree adds an error monitor
/// and an alternate subtree.
///
/// The per-example numbers (class weights, tallies, Gaussian statistics) live in buffers the
/// node allocates and frees itself, so the learning loop touches plain memory: no copy-on-write
/// checks, no reference counting.
final class TreeNode {
    let classCount: Int
    let featureCount: Int
    /// Class weights, then the total weight, the weight at the last split evaluation, and the
    /// weights the majority class and naive Bayes predicted correctly.
    private let numbers: UnsafeMutablePointer<Double>
    /// The node's other state, behind a pointer the node owns: reading it costs no dynamic
    /// exclusivity check, which class stored properties would on every example.
    private let state: UnsafeMutablePointer<State>

    struct State {
        /// Active leaves: the Gaussian statistics of every feature (feature × class ×
        /// ``NumericObserver/stride``, nominal features' slots unused); nil otherwise.
        var gaussians: UnsafeMutablePointer<Double>?
        var isActive: Bool
        /// Active leaves: the value counts of each nominal feature (nil for numeric features and
        /// for nominal ones not seen yet); empty otherwise.
        var nominals: [NominalObserver?] = []
        // Split state.
        var test: SplitTest?
        var children: [TreeNode?] = []
        // Adaptive-tree state.
        var errorMonitor: ADWIN?
        var alternate: TreeNode?
        /// The node's own bootstrap generator (MOA seeds every node's alike).
        var bootstrap: JavaRandom?
    }

    private(set) var gaussians: UnsafeMutablePointer<Double>? {
        @inline(__always) get { state.pointee.gaussians }
        set { state.pointee.gaussians = newValue }
    }

    var isActive: Bool {
        @inline(__always) get { state.pointee.isActive }
        set { state.pointee.isActive = newValue }
    }

    var nominals: [NominalObserver?] {
        @inline(__always) get { state.pointee.nominals }
        set { state.pointee.nominals = newValue }
    }

    var test: SplitTest? {
        @inline(__always) get { state.pointee.test }
        set { state.pointee.test = newValue }
    }

    var children: [TreeNode?] {
        @inline(__always) get { state.pointee.children }
        set { state.pointee.children = newValue }
    }

    /// The child on a branch, if grown (no copy of the children array).
    @inline(__always) func child(_ branch: Int) -> TreeNode? {
        branch < state.pointee.children.count ? state.pointee.children[branch] : nil
    }

    /// The child on a branch without retaining it, for descending the tree on every example:
    /// the parent keeps it alive as long as the tree is not changed meanwhile.
    @inline(__always) func unretainedChild(_ branch: Int) -> Unmanaged<TreeNode>? {
        state.pointee.children.withUnsafeBufferPointer { children in
            guard branch < children.count, let child = children[branch] else { return nil }
            return Unmanaged.passUnretained(child)
        }
    }

    /// The observer of a nominal feature without retaining it (the leaf keeps it alive).
    @inline(__always) func unretainedNominal(_ feature: Int) -> Unmanaged<NominalObserver>? {
        state.pointee.nominals.withUnsafeBufferPointer { nominals in
            guard feature < nominals.count, let nominal = nominals[feature] else { return nil }
            return Unmanaged.passUnretained(nominal)
        }
    }

    /// Sets the observer of a nominal feature.
    func setNominal(_ feature: Int, _ observer: NominalObserver) {
        state.pointee.nominals[feature] = observer
    }

    /// The test without copying the node's state.
    @inline(__always) func branch(_ features: [Double]) -> Int?? {
        guard let test = state.pointee.test else { return .none }
        return .some(test.branch(features))
    }

    /// Sets the child on a branch, growing the list as needed.
    func setChild(_ branch: Int, _ child: TreeNode) {
        if branch >= state.pointee.children.count {
            state.pointee.children.append(contentsOf: repeatElement(nil, count: branch + 1 - state.pointee.children.count))
        }
        state.pointee.children[branch] = child
    }

    var errorMonitor: ADWIN? {
        @inline(__always) get { state.pointee.errorMonitor }
        set { state.pointee.errorMonitor = newValue }
    }

    /// Feeds the error monitor in place (created on first use); returns whether it detected drift.
    func updateErrorMonitor(_ value: Double, delta: Double) -> (changed: Bool, before: Double, after: Double) {
        if state.pointee.errorMonitor == nil { state.pointee.errorMonitor = ADWIN(delta: delta) }
        let before = state.pointee.errorMonitor!.estimation
        let changed = state.pointee.errorMonitor!.update(value)
        return (changed, before, state.pointee.errorMonitor!.estimation)
    }

    var alternate: TreeNode? {
        @inline(__always) get { state.pointee.alternate }
        set { state.pointee.alternate = newValue }
    }

    var bootstrap: JavaRandom? {
        get { state.pointee.bootstrap }
        set { state.pointee.bootstrap = newValue }
    }

    /// A Poisson(1) bootstrap count from the node's own generator, created with `seed` on first use.
    func drawBootstrapCount(seed: Int64) -> Int {
        if state.pointee.bootstrap == nil { state.pointee.bootstrap = JavaRandom(seed: seed) }
        return state.pointee.bootstrap!.poisson(1)
    }

    init(classCounts: [Double], featureCount: Int, isActive: Bool = true) {
        self.classCount = classCounts.count
        self.featureCount = featureCount
        self.numbers = .allocate(capacity: classCounts.count + 4)
        self.state = .allocate(capacity: 1)
        state.initialize(to: State(isActive: isActive))
        numbers.initialize(repeating: 0, count: classCount + 4)
        self.classCounts = classCounts
        weightAtLastSplitEvaluation = weightSeen
        if isActive { allocateObservers() }
    }

    deinit {
        gaussians?.deallocate()
        numbers.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var gaussianCount: Int { featureCount * classCount * NumericObserver.stride }

    /// Fresh, empty observers for an active leaf.
    func allocateObservers() {
        gaussians?.deallocate()
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: gaussianCount)
        buffer.initialize(repeating: 0, count: gaussianCount)
        gaussians = buffer
        nominals = Array(repeating: nil, count: featureCount)
    }

    /// Replaces the Gaussian statistics (snapshot restore); an empty array means none.
    func setGaussians(_ values: [Double]) {
        gaussians?.deallocate()
        gaussians = nil
        guard !values.isEmpty else { return }
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: values.count)
        buffer.initialize(from: values, count: values.count)
        gaussians = buffer
    }

    var gaussianValues: [Double] { gaussians.map { Array(UnsafeBufferPointer(start: $0, count: gaussianCount)) } ?? [] }

    @inline(__always) func count(_ label: Int) -> Double { numbers[label] }

    @inline(__always) func addCount(_ label: Int, _ weight: Double) {
        numbers[label] += weight
        numbers[classCount] += weight
    }

    /// Weight seen per class (at a split node: as it was when the node split).
    var classCounts: [Double] {
        get { Array(UnsafeBufferPointer(start: numbers, count: classCount)) }
        set {
            precondition(newValue.count == classCount, "class counts of another size")
            var total = 0.0
            for (label, weight) in newValue.enumerated() {
                numbers[label] = weight
                total += weight
            }
            numbers[classCount] = total
        }
    }

    /// The total weight seen, kept as a running sum (restored exactly from snapshots).
    var weightSeen: Double {
        @inline(__always) get { numbers[classCount] }
        set { numbers[classCount] = newValue }
    }

    var weightAtLastSplitEvaluation: Double {
        @inline(__always) get { numbers[classCount + 1] }
        set { numbers[classCount + 1] = newValue }
    }

    var majorityCorrectWeight: Double {
        @inline(__always) get { numbers[classCount + 2] }
        set { numbers[classCount + 2] = newValue }
    }

    var naiveBayesCorrectWeight: Double {
        @inline(__always) get { numbers[classCount + 3] }
        set { numbers[classCount + 3] = newValue }
    }

    /// The numeric observer of one feature (a view of ``gaussians``, valid while this leaf is active).
    func numericObserver(_ feature: Int) -> NumericObserver? {
        guard let gaussians else { return nil }
        let width = classCount * NumericObserver.stride
        return NumericObserver(statistics: UnsafeBufferPointer(start: gaussians + feature * width, count: width))
    }

    var isLeaf: Bool {
        @inline(__always) get { state.pointee.test == nil }
    }

    /// The index of the largest class count (the first on ties).
    var majorityClass: Int {
        var best = 0
        for label in 1..<classCount where numbers[label] > numbers[best] { best = label }
        return best
    }

    var isPure: Bool { (0..<classCount).filter { numbers[$0] > 0 }.count < 2 }

    /// Weight that the majority class gets wrong: how much a leaf could still gain by growing.
    var promise: Double {
        let total = weightSeen
        return total > 0 ? total - numbers[majorityClass] : 0
    }

    /// Drops observers to become an inactive leaf.
    func deactivate() {
        isActive = false
        gaussians?.deallocate()
        gaussians = nil
        nominals = []
    }

    /// Becomes an active leaf again, as a fresh one would be: no observers, no tallies.
    func activate() {
        isActive = true
        allocateObservers()
        weightAtLastSplitEvaluation = weightSeen
        majorityCorrectWeight = 0
        naiveBayesCorrectWeight = 0
        errorMonitor = nil
    }

    /// Becomes `other` (an alternate subtree replacing this one): the two swap contents, so
    /// each buffer keeps exactly one owner.
    func adopt(_ other: TreeNode) {
        precondition(classCount == other.classCount && featureCount == other.featureCount, "adopting a node of another shape")
        for index in 0..<(classCount + 4) { swap(&numbers[index], &other.numbers[index]) }
        swap(&state.pointee, &other.state.pointee)
        // This node now holds the alternate's own alternate; the old subtree keeps none.
        other.alternate = nil
    }

    var estimatedByteSize: Int {
        var size = 128 + (classCount + 4) * 8 + (gaussians == nil ? 0 : gaussianCount * 8) + nominals.count * 8
        for nominal in nominals { size += nominal?.estimatedByteSize ?? 0 }
        if let errorMonitor { size += 96 + errorMonitor.rows.reduce(0) { $0 + 48 + $1.totals.count * 16 } }
        for child in children { size += 8 + (child?.estimatedByteSize ?? 0) }
        if let alternate { size += alternate.estimatedByteSize }
        return size
    }
}
