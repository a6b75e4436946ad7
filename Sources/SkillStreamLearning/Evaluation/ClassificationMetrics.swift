import RealModule

/// Prequential classification quality: accuracy, precision, recall and F1 of the positive class
/// (class 1), log loss (probabilities clipped to [1e-15, 1 − 1e-15]) and ROC AUC of class 1.
///
/// Cumulative over everything recorded; ROC AUC from a histogram of 8,192 logit bins, so memory
/// stays constant (scores within one bin count as ties).
public struct ClassificationMetrics: Sendable, Hashable {
    public private(set) var count = 0.0
    public private(set) var correct = 0.0
    public private(set) var truePositives = 0.0
    public private(set) var falsePositives = 0.0
    public private(set) var falseNegatives = 0.0
    public private(set) var logLossSum = 0.0
    private var positiveScores: [Double]
    private var negativeScores: [Double]

    static let bins = 8_192
    static let logitRange = 20.0

    public init() {
        positiveScores = Array(repeating: 0, count: Self.bins)
        negativeScores = Array(repeating: 0, count: Self.bins)
    }

    /// Records one prediction (class probabilities) against the true label.
    public mutating func record(label: Int, probabilities: [Double], weight: Double = 1) {
        let predicted = argmax(probabilities)
        count += weight
        if predicted == label { correct += weight }
        if predicted == 1 && label == 1 { truePositives += weight }
        if predicted == 1 && label != 1 { falsePositives += weight }
        if predicted != 1 && label == 1 { falseNegatives += weight }
        logLossSum += weight * Self.logLoss(label: label, probabilities: probabilities)
        if probabilities.count > 1 {
            let positive = min(1 - 1e-15, max(1e-15, probabilities[1]))
            let logit = Double.log(positive / (1 - positive))
            let bin = min(Self.bins - 1, max(0, Int((logit + Self.logitRange) / (2 * Self.logitRange) * Double(Self.bins))))
            if label == 1 { positiveScores[bin] += weight } else { negativeScores[bin] += weight }
        }
    }

    /// One prediction's log loss: −log of the probability given to the true label, clipped.
    static func logLoss(label: Int, probabilities: [Double]) -> Double {
        -Double.log(min(1 - 1e-15, max(1e-15, label < probabilities.count ? probabilities[label] : 0)))
    }

    public var accuracy: Double { count > 0 ? correct / count : 0 }
    public var precision: Double { truePositives + falsePositives > 0 ? truePositives / (truePositives + falsePositives) : 0 }
    public var recall: Double { truePositives + falseNegatives > 0 ? truePositives / (truePositives + falseNegatives) : 0 }
    public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
    public var logLoss: Double { count > 0 ? logLossSum / count : 0 }

    /// The probability that a random positive scores above a random negative (ties count half).
    public var rocAUC: Double {
        var negativesBelow = 0.0
        var area = 0.0
        for bin in 0..<Self.bins {
            area += positiveScores[bin] * (negativesBelow + negativeScores[bin] / 2)
            negativesBelow += negativeScores[bin]
        }
        let positives = positiveScores.reduce(0, +)
        return positives > 0 && negativesBelow > 0 ? area / (positives * negativesBelow) : 0.5
    }
}

/// The same measures over the last `size` predictions only, computed exactly on demand; the
/// log loss, which the models' comparison reads most, from each prediction's loss kept as it
/// was recorded.
public struct WindowedClassificationMetrics: Sendable, Hashable {
    public let size: Int
    private var labels: [Int] = []
    private var probabilities: [[Double]] = []
    private var losses: [Double] = []
    private var next = 0

    public init(size: Int) {
        precondition(size > 0, "window size must be positive")
        self.size = size
    }

    public mutating func record(label: Int, probabilities prediction: [Double]) {
        let loss = ClassificationMetrics.logLoss(label: label, probabilities: prediction)
        if labels.count < size {
            labels.append(label)
            probabilities.append(prediction)
            losses.append(loss)
        } else {
            labels[next] = label
            probabilities[next] = prediction
            losses[next] = loss
            next = (next + 1) % size
        }
    }

    /// The mean log loss of the window's predictions (0 when empty): the same figure as
    /// ``metrics``' `logLoss`, without the rest.
    public var logLoss: Double { losses.isEmpty ? 0 : losses.reduce(0, +) / Double(losses.count) }

    /// The measures of the window's predictions; ROC AUC exactly, by sorting.
    public var metrics: (accuracy: Double, precision: Double, recall: Double, f1: Double, logLoss: Double, rocAUC: Double) {
        var cumulative = ClassificationMetrics()
        for (label, prediction) in zip(labels, probabilities) { cumulative.record(label: label, probabilities: prediction) }
        return (cumulative.accuracy, cumulative.precision, cumulative.recall, cumulative.f1, logLoss, rocAUC)
    }

    /// The window's ROC AUC of class 1, exactly (by sorting; ties count half); 0.5 without both classes.
    public var rocAUC: Double {
        // A NaN score (a broken model) ranks as 0.5, so that sorting and grouping stay well defined.
        let scored = zip(labels, probabilities).map { (label: $0, score: $1.count > 1 && !$1[1].isNaN ? $1[1] : 0.5) }.sorted { $0.score < $1.score }
        var negativesBelow = 0.0
        var area = 0.0
        var index = 0
        while index < scored.count {
            var end = index
            var positives = 0.0
            var negatives = 0.0
            while end < scored.count && scored[end].score == scored[index].score {
                if scored[end].label == 1 { positives += 1 } else { negatives += 1 }
                end += 1
            }
            area += positives * (negativesBelow + negatives / 2)
            negativesBelow += negatives
            index = end
        }
        let positives = Double(scored.count) - negativesBelow
        return positives > 0 && negativesBelow > 0 ? area / (positives * negativesBelow) : 0.5
    }
}

// MARK: - Checkpoints

extension ClassificationMetrics {
    /// Writes the measures into a checkpoint (the score histograms sparsely: only the bins that
    /// hold something); ``read(from:)`` gives them back identically.
    public func write(to writer: inout SnapshotWriter) {
        for value in [count, correct, truePositives, falsePositives, falseNegatives, logLossSum] { writer.write(value) }
        for scores in [positiveScores, negativeScores] {
            let filled = scores.indices.filter { scores[$0] != 0 }
            writer.write(filled.count)
            for bin in filled {
                writer.write(bin)
                writer.write(scores[bin])
            }
        }
    }

    public static func read(from reader: inout SnapshotReader) throws(LearningError) -> ClassificationMetrics {
        var metrics = ClassificationMetrics()
        metrics.count = try reader.readDouble()
        metrics.correct = try reader.readDouble()
        metrics.truePositives = try reader.readDouble()
        metrics.falsePositives = try reader.readDouble()
        metrics.falseNegatives = try reader.readDouble()
        metrics.logLossSum = try reader.readDouble()
        for positive in [true, false] {
            for _ in 0..<(try reader.readCount(elementSize: 16)) {
                let bin = try reader.readInt()
                guard (0..<bins).contains(bin) else { throw .invalidSnapshot("score bin \(bin) out of range") }
                if positive { metrics.positiveScores[bin] = try reader.readDouble() } else { metrics.negativeScores[bin] = try reader.readDouble() }
            }
        }
        return metrics
    }
}

extension WindowedClassificationMetrics {
    /// Writes the window into a checkpoint; ``read(from:)`` gives it back identically.
    public func write(to writer: inout SnapshotWriter) {
        writer.write(size)
        writer.write(next)
        writer.write(labels.count)
        for (label, prediction) in zip(labels, probabilities) {
            writer.write(label)
            writer.write(prediction)
        }
    }

    public static func read(from reader: inout SnapshotReader) throws(LearningError) -> WindowedClassificationMetrics {
        let size = try reader.readInt()
        guard size > 0 else { throw .invalidSnapshot("window size \(size)") }
        var window = WindowedClassificationMetrics(size: size)
        window.next = try reader.readInt()
        let count = try reader.readCount(elementSize: 16)
        guard count <= size, (0..<max(1, size)).contains(window.next) else { throw .invalidSnapshot("window of \(count) in \(size)") }
        for _ in 0..<count {
            let label = try reader.readInt()
            let prediction = try reader.readDoubles()
            window.labels.append(label)
            window.probabilities.append(prediction)
            window.losses.append(ClassificationMetrics.logLoss(label: label, probabilities: prediction))
        }
        return window
    }
}
