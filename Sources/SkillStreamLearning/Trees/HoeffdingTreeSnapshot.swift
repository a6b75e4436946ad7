/// Snapshot encoding of the trees: configuration, counters and every node with its observers,
/// error monitor, bootstrap generator and alternate subtree, depth first.
extension HoeffdingTreeEngine {
    func snapshot(kind: String) -> [UInt8] {
        var writer = SnapshotWriter()
        writer.writeHeader(kind: kind, version: 1)
        writer.write(schema)
        writer.write(classCount)
        writeConfiguration(&writer)
        writer.write(learnedExamples)
        writer.write(growthAllowed)
        writer.write(alternatesStarted)
        writer.write(alternatesSwitched)
        writer.write(alternatesPruned)
        writeNode(root, &writer)
        return writer.bytes
    }

    convenience init(snapshot bytes: [UInt8], kind: String, adaptive: Bool) throws(LearningError) {
        var reader = SnapshotReader(bytes)
        try reader.readHeader(kind: kind, version: 1)
        let schema = try reader.readSchema()
        let classCount = try reader.readInt()
        guard classCount >= 2, classCount < 1 << 16 else { throw .invalidSnapshot("class count \(classCount)") }
        let configuration = try Self.readConfiguration(&reader)
        self.init(schema: schema, classCount: classCount, configuration: configuration, adaptive: adaptive)
        learnedExamples = try reader.readInt()
        growthAllowed = try reader.readBool()
        alternatesStarted = try reader.readInt()
        alternatesSwitched = try reader.readInt()
        alternatesPruned = try reader.readInt()
        root = try readNode(&reader, depth: 0)
        try reader.expectEnd()
    }

    private func writeConfiguration(_ writer: inout SnapshotWriter) {
        let c = configuration
        writer.write(c.gracePeriod)
        writer.write(c.splitConfidence)
        writer.write(c.tieThreshold)
        switch c.splitCriterion {
        case .informationGain(let fraction):
            writer.write(UInt8(0))
            writer.write(fraction)
        case .gini:
            writer.write(UInt8(1))
        }
        writer.write(c.leafPrediction.rawValue)
        writer.write(c.binarySplitsOnly)
        writer.write(c.numericSplitPoints)
        writer.write(c.prePrune)
        writer.write(c.maxDepth ?? -1)
        writer.write(c.maxByteSize)
        writer.write(c.memoryEstimatePeriod)
        writer.write(c.stopMemoryManagement)
        writer.write(c.driftConfidence)
        writer.write(c.bootstrapSampling)
        writer.write(c.seed)
    }

    private static func readConfiguration(_ reader: inout SnapshotReader) throws(LearningError) -> HoeffdingTreeConfiguration {
        var c = HoeffdingTreeConfiguration()
        c.gracePeriod = try reader.readDouble()
        c.splitConfidence = try reader.readDouble()
        c.tieThreshold = try reader.readDouble()
        switch try reader.readUInt8() {
        case 0: c.splitCriterion = .informationGain(minimumBranchFraction: try reader.readDouble())
        case 1: c.splitCriterion = .gini
        case let other: throw .invalidSnapshot("unknown split criterion \(other)")
        }
        guard let leafPrediction = LeafPrediction(rawValue: try reader.readString()) else { throw .invalidSnapshot("unknown leaf prediction") }
        c.leafPrediction = leafPrediction
        c.binarySplitsOnly = try reader.readBool()
        c.numericSplitPoints = try reader.readInt()
        guard (1...10_000).contains(c.numericSplitPoints) else { throw .invalidSnapshot("numeric split points \(c.numericSplitPoints)") }
        c.prePrune = try reader.readBool()
        let maxDepth = try reader.readInt()
        c.maxDepth = maxDepth < 0 ? nil : maxDepth
        c.maxByteSize = try reader.readInt()
        c.memoryEstimatePeriod = try reader.readInt()
        guard c.memoryEstimatePeriod > 0 else { throw .invalidSnapshot("memory estimate period \(c.memoryEstimatePeriod)") }
        c.stopMemoryManagement = try reader.readBool()
        c.driftConfidence = try reader.readDouble()
        c.bootstrapSampling = try reader.readBool()
        c.seed = try reader.readUInt64()
        return c
    }

    private func writeNode(_ node: TreeNode?, _ writer: inout SnapshotWriter) {
        guard let node else {
            writer.write(UInt8(0))
            return
        }
        writer.write(UInt8(1))
        writer.write(node.classCounts)
        writer.write(node.weightSeen)
        writer.write(node.isActive)
        writer.write(node.weightAtLastSplitEvaluation)
        writer.write(node.majorityCorrectWeight)
        writer.write(node.naiveBayesCorrectWeight)
        writer.write(node.gaussianValues)
        writer.write(node.nominals.count)
        for nominal in node.nominals {
            writer.write(nominal != nil)
            guard let nominal else { continue }
            writer.write(nominal.counts)
            writer.write(nominal.totals)
            writer.write(nominal.valuesSeen.map(Double.init))
        }
        switch node.test {
        case nil:
            writer.write(UInt8(0))
        case .numeric(let feature, let threshold):
            writer.write(UInt8(1))
            writer.write(feature)
            writer.write(threshold)
        case .nominalMultiway(let feature):
            writer.write(UInt8(2))
            writer.write(feature)
        case .nominalBinary(let feature, let value):
            writer.write(UInt8(3))
            writer.write(feature)
            writer.write(value)
        }
        writer.write(node.children.count)
        for child in node.children { writeNode(child, &writer) }
        writer.write(node.errorMonitor != nil)
        node.errorMonitor?.write(to: &writer)
        writer.write(node.bootstrap != nil)
        if let bootstrap = node.bootstrap { writer.write(UInt64(bitPattern: bootstrap.state)) }
        writeNode(node.alternate, &writer)
    }

    /// Deeper than any tree grown from data; a snapshot nesting further is corrupt (and would
    /// exhaust the stack).
    static let maximumSnapshotDepth = 2_000

    private func readNode(_ reader: inout SnapshotReader, depth: Int) throws(LearningError) -> TreeNode? {
        guard depth < Self.maximumSnapshotDepth else { throw .invalidSnapshot("tree deeper than \(Self.maximumSnapshotDepth)") }
        guard try reader.readBool() else { return nil }
        let classCounts = try reader.readDoubles()
        guard classCounts.count == classCount else { throw .invalidSnapshot("node with \(classCounts.count) class counts") }
        let weightSeen = try reader.readDouble()
        let node = TreeNode(classCounts: classCounts, featureCount: schema.count, isActive: try reader.readBool())
        node.weightSeen = weightSeen
        node.weightAtLastSplitEvaluation = try reader.readDouble()
        node.majorityCorrectWeight = try reader.readDouble()
        node.naiveBayesCorrectWeight = try reader.readDouble()
        let gaussians = try reader.readDoubles()
        let nominalCount = try reader.readCount(elementSize: 1)
        guard gaussians.isEmpty || gaussians.count == node.gaussianCount,
            nominalCount == 0 || nominalCount == schema.count
        else { throw .invalidSnapshot("node observers do not match the schema") }
        node.setGaussians(gaussians)
        node.nominals = []
        for _ in 0..<nominalCount {
            guard try reader.readBool() else {
                node.nominals.append(nil)
                continue
            }
            let counts = try reader.readDoubles()
            let totals = try reader.readDoubles()
            let valuesSeen = try reader.readDoubles()
            guard counts.count % classCount == 0, totals.count == classCount, valuesSeen.count == classCount,
                valuesSeen.allSatisfy({ $0 >= 0 && $0 <= Double(counts.count / classCount) && $0 == $0.rounded() })
            else { throw .invalidSnapshot("nominal observer size") }
            node.nominals.append(
                NominalObserver(classCount: classCount, counts: counts, totals: totals, valuesSeen: valuesSeen.map { Int($0) }))
        }
        switch try reader.readUInt8() {
        case 0: node.test = nil
        case 1: node.test = .numeric(feature: try readFeature(&reader), threshold: try reader.readDouble())
        case 2: node.test = .nominalMultiway(feature: try readFeature(&reader))
        case 3: node.test = .nominalBinary(feature: try readFeature(&reader), value: try reader.readInt())
        case let other: throw .invalidSnapshot("unknown split test \(other)")
        }
        let childCount = try reader.readCount(elementSize: 1)
        for _ in 0..<childCount { node.children.append(try readNode(&reader, depth: depth + 1)) }
        if try reader.readBool() { node.errorMonitor = try ADWIN.read(from: &reader) }
        if try reader.readBool() { node.bootstrap = JavaRandom(state: Int64(bitPattern: try reader.readUInt64())) }
        node.alternate = try readNode(&reader, depth: depth + 1)
        if node.isActive && node.test == nil {
            guard node.gaussians != nil, node.nominals.count == schema.count else { throw .invalidSnapshot("an active leaf without its observers") }
        }
        return node
    }

    private func readFeature(_ reader: inout SnapshotReader) throws(LearningError) -> Int {
        let feature = try reader.readInt()
        guard feature >= 0 && feature < schema.count else { throw .invalidSnapshot("split on feature \(feature)") }
        return feature
    }
}
