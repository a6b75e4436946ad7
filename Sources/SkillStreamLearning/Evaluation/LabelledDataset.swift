/// A labelled stream held in memory: a header row of feature names, numeric features, and the
/// last column `label` with the class index. Parsing checks every row and names the line of the
/// first bad one.
public struct LabelledDataset: Sendable {
    public let schema: FeatureSchema
    public let rows: [[Double]]
    public let labels: [Int]
    public var classCount: Int { max(2, (labels.max() ?? 0) + 1) }

    public init(schema: FeatureSchema, rows: [[Double]], labels: [Int]) {
        self.schema = schema
        self.rows = rows
        self.labels = labels
    }

    /// Parses CSV text; `nominal` names categorical feature columns. Empty fields and `NaN`
    /// are missing values; labels must be non-negative integers. Works on UTF-8 bytes, so large
    /// streams load quickly.
    public init(csv text: String, nominal: Set<String> = []) throws(LearningError) {
        var text = text
        let parsed = text.withUTF8 { bytes in Result { () throws(LearningError) in try Self.parse(bytes, nominal: nominal) } }
        let (schema, rows, labels) = try parsed.get()
        self.init(schema: schema, rows: rows, labels: labels)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, nominal: Set<String>) throws(LearningError) -> (FeatureSchema, [[Double]], [Int]) {
        let newline = UInt8(ascii: "\n")
        let comma = UInt8(ascii: ",")
        var lines = bytes.split(separator: newline, omittingEmptySubsequences: false).makeIterator()
        guard let header = lines.next(), !header.isEmpty else { throw .invalidExample("the CSV is empty") }
        let columns = header.split(separator: comma, omittingEmptySubsequences: false).map { Self.text($0) }
        guard columns.count >= 2, columns.last == "label" else {
            throw .invalidExample("the header must list the features and end with a 'label' column, found \(columns)")
        }
        let schema = try FeatureSchema(names: Array(columns.dropLast()), nominal: nominal)
        var rows: [[Double]] = []
        var labels: [Int] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let field = line.split(separator: comma, omittingEmptySubsequences: false)
            if field.count == 1 && Self.text(field[0]).isEmpty { continue }  // blank line
            guard field.count == columns.count else {
                throw .invalidExample("line \(lineNumber): \(field.count) fields, the header has \(columns.count)")
            }
            var row: [Double] = []
            row.reserveCapacity(schema.count)
            for index in 0..<schema.count {
                let trimmed = Self.text(field[index])
                if trimmed.isEmpty || trimmed == "NaN" || trimmed == "nan" {
                    row.append(.nan)
                } else if let value = Double(trimmed), value.isFinite {
                    if schema.isNominal[index] && nominalCode(value) == nil {
                        throw .invalidExample("line \(lineNumber): nominal '\(columns[index])' must be a non-negative integer code, got '\(trimmed)'")
                    }
                    row.append(value)
                } else {
                    throw .invalidExample("line \(lineNumber): '\(columns[index])' is not a number: '\(trimmed)'")
                }
            }
            let labelText = Self.text(field[schema.count])
            guard let label = Int(labelText) ?? Double(labelText).flatMap({ $0 == $0.rounded() && $0 >= 0 ? Int(exactly: $0) : nil }), label >= 0 else {
                throw .invalidExample("line \(lineNumber): label must be a class index 0, 1, …, got '\(labelText)'")
            }
            rows.append(row)
            labels.append(label)
        }
        guard !rows.isEmpty else { throw .invalidExample("the CSV has a header but no rows") }
        return (schema, rows, labels)
    }

    /// A field's text without surrounding spaces, tabs or carriage returns.
    private static func text(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        var slice = field
        while let first = slice.first, first == 0x20 || first == 0x09 || first == 0x0d { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 || last == 0x0d { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}

/// What a prequential run over a dataset measured.
public struct PrequentialReport: Sendable, Codable, Hashable {
    public var samples: Int
    public var accuracy: Double
    public var f1: Double
    public var precision: Double
    public var recall: Double
    public var logLoss: Double
    public var rocAUC: Double
    /// Examples per second of the predict + learn loop alone (metrics and memory sampling excluded).
    public var samplesPerSecond: Double
    /// The largest model size estimate seen, sampled every `memorySampleInterval` examples.
    public var peakModelBytes: Int
}

extension LabelledDataset {
    /// Test-then-train over the whole dataset: predicts each row, stores the prediction, learns
    /// it. Only that loop is timed; metrics are computed afterwards from the stored predictions.
    public func prequential(_ model: some OnlineClassifier, memorySampleInterval: Int = 10_000) -> PrequentialReport {
        let classes = model.classCount
        var predictions = [Double](repeating: 0, count: rows.count * classes)
        var elapsed = Duration.zero
        var peak = model.estimatedByteSize
        let clock = ContinuousClock()
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + memorySampleInterval)
            let began = clock.now
            predictions.withUnsafeMutableBufferPointer { buffer in
                for index in start..<end {
                    model.predictProbabilities(rows[index], into: UnsafeMutableBufferPointer(rebasing: buffer[(index * classes)..<((index + 1) * classes)]))
                    model.learn(rows[index], label: labels[index], weight: 1)
                }
            }
            elapsed += clock.now - began
            peak = max(peak, model.estimatedByteSize)
            start = end
        }
        var metrics = ClassificationMetrics()
        for index in rows.indices {
            metrics.record(label: labels[index], probabilities: Array(predictions[(index * classes)..<((index + 1) * classes)]))
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return PrequentialReport(
            samples: rows.count, accuracy: metrics.accuracy, f1: metrics.f1, precision: metrics.precision, recall: metrics.recall,
            logLoss: metrics.logLoss, rocAUC: metrics.rocAUC, samplesPerSecond: seconds > 0 ? Double(rows.count) / seconds : 0,
            peakModelBytes: peak)
    }
}
