/// What the two Hoeffding trees share as classifiers: learning, prediction, explanations and
/// size, over one ``HoeffdingTreeEngine``. Not subclassable outside this module.
public class HoeffdingTreeModel {
    let engine: HoeffdingTreeEngine

    init(engine: HoeffdingTreeEngine) {
        self.engine = engine
    }

    public var schema: FeatureSchema { engine.schema }
    public var classCount: Int { engine.classCount }
    public var configuration: HoeffdingTreeConfiguration { engine.configuration }

    public func learn(_ features: [Double], label: Int, weight: Double) {
        engine.learn(features, label: label, weight: weight)
    }

    public func predictProbabilities(_ features: [Double]) -> [Double] {
        engine.predictProbabilities(features)
    }

    public func predictProbabilities(_ features: [Double], into probabilities: UnsafeMutableBufferPointer<Double>) {
        engine.predictProbabilities(features, into: probabilities)
    }

    /// The path of decisions from the root to the leaf, and how the leaf predicted.
    public func explain(_ features: [Double]) -> TreeExplanation { engine.explain(features) }

    public var estimatedByteSize: Int { 256 + (engine.root?.estimatedByteSize ?? 0) }

    /// The tree's shape: split nodes, leaves and depth.
    public var shape: TreeShape { TreeShape(engine.root) }
}

/// The Hoeffding tree (VFDT, Domingos and Hulten 2000) as MOA defines it: a leaf splits once
/// the Hoeffding bound shows, with confidence 1 − δ, that its best split beats the second best.
///
/// Numeric features are summarised per class by Gaussians (10 candidate thresholds), nominal
/// ones by counts (multiway and binary splits); leaves predict by majority class, naive Bayes or
/// adaptive naive Bayes; a memory bound deactivates the least promising leaves. Defaults equal
/// MOA's (see ``HoeffdingTreeConfiguration``). ``explain(_:)`` gives the path of decisions.
public final class HoeffdingTree: HoeffdingTreeModel, OnlineClassifier {
    static let snapshotKind = "hoeffding-tree"

    public init(schema: FeatureSchema, classCount: Int = 2, configuration: HoeffdingTreeConfiguration = HoeffdingTreeConfiguration()) {
        super.init(engine: HoeffdingTreeEngine(schema: schema, classCount: classCount, configuration: configuration, adaptive: false))
    }

    /// Restores a tree from ``snapshot()``.
    public init(snapshot: [UInt8]) throws(LearningError) {
        super.init(engine: try HoeffdingTreeEngine(snapshot: snapshot, kind: Self.snapshotKind, adaptive: false))
    }

    public func freshCopy() -> HoeffdingTree {
        HoeffdingTree(schema: schema, classCount: classCount, configuration: configuration)
    }

    public func snapshot() -> [UInt8] { engine.snapshot(kind: Self.snapshotKind) }
}

/// The Hoeffding Adaptive Tree (Bifet and Gavaldà 2009) as MOA defines it: every node watches
/// its error with ADWIN; when the error rises, the node grows an alternate subtree, which replaces
/// it once significantly better (or is dropped once significantly worse). Leaves learn with
/// Poisson(1) bootstrap weights drawn as MOA draws them. The defaults are MOA's.
public final class HoeffdingAdaptiveTree: HoeffdingTreeModel, OnlineClassifier {
    static let snapshotKind = "hoeffding-adaptive-tree"

    public init(schema: FeatureSchema, classCount: Int = 2, configuration: HoeffdingTreeConfiguration = HoeffdingTreeConfiguration()) {
        super.init(engine: HoeffdingTreeEngine(schema: schema, classCount: classCount, configuration: configuration, adaptive: true))
    }

    /// Restores a tree from ``snapshot()``.
    public init(snapshot: [UInt8]) throws(LearningError) {
        super.init(engine: try HoeffdingTreeEngine(snapshot: snapshot, kind: Self.snapshotKind, adaptive: true))
    }

    public func freshCopy() -> HoeffdingAdaptiveTree {
        HoeffdingAdaptiveTree(schema: schema, classCount: classCount, configuration: configuration)
    }

    public func snapshot() -> [UInt8] { engine.snapshot(kind: Self.snapshotKind) }

    /// Alternate subtrees started, switched in and pruned so far (drift adaptations).
    public var alternateTrees: (started: Int, switched: Int, pruned: Int) {
        (engine.alternatesStarted, engine.alternatesSwitched, engine.alternatesPruned)
    }
}

/// The size of a tree (not counting alternate subtrees).
public struct TreeShape: Sendable, Hashable {
    public var splitNodes = 0
    public var leaves = 0
    public var activeLeaves = 0
    public var depth = 0

    init(_ root: TreeNode?) {
        guard let root else { return }
        visit(root, depth: 0)
    }

    private mutating func visit(_ node: TreeNode, depth: Int) {
        self.depth = max(self.depth, depth)
        if node.isLeaf {
            leaves += 1
            if node.isActive { activeLeaves += 1 }
        } else {
            splitNodes += 1
            for child in node.children { if let child { visit(child, depth: depth + 1) } }
        }
    }
}
