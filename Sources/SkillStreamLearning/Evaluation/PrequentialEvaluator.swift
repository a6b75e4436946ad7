/// Test-then-train evaluation: every example is first predicted, scored, then learned.
public struct PrequentialEvaluator {
    public let model: any OnlineClassifier
    public private(set) var cumulative = ClassificationMetrics()
    public private(set) var window: WindowedClassificationMetrics

    public init(model: any OnlineClassifier, windowSize: Int = 1_000) {
        self.model = model
        self.window = WindowedClassificationMetrics(size: windowSize)
    }

    /// Predicts, scores and learns one example; returns the prediction made before learning.
    @discardableResult
    public mutating func process(_ features: [Double], label: Int, weight: Double = 1) -> [Double] {
        let prediction = model.predictProbabilities(features)
        cumulative.record(label: label, probabilities: prediction, weight: weight)
        window.record(label: label, probabilities: prediction)
        model.learn(features, label: label, weight: weight)
        return prediction
    }
}

/// Prequential evaluation with delayed labels, as outcomes arrive in a restaurant: predict when
/// the example happens, learn and score when its label arrives. Predictions whose label has not
/// arrived within `horizon` (in the caller's time unit) expire unlabelled, so memory stays bounded.
public struct DelayedLabelEvaluator {
    struct Pending {
        var features: [Double]
        var prediction: [Double]
        var time: Double
    }

    public let model: any OnlineClassifier
    public let horizon: Double
    public private(set) var cumulative = ClassificationMetrics()
    public private(set) var expired = 0
    public private(set) var unknownLabels = 0
    private var pending: [String: Pending] = [:]
    /// Identifiers in order of prediction time, for expiry.
    private var order: [(id: String, time: Double)] = []
    private var orderStart = 0

    public init(model: any OnlineClassifier, horizon: Double) {
        self.model = model
        self.horizon = horizon
    }

    /// Predictions waiting for their label.
    public var pendingCount: Int { pending.count }

    /// Predicts an example now and remembers it until its label arrives (or the horizon passes).
    @discardableResult
    public mutating func predict(id: String, features: [Double], time: Double) -> [Double] {
        expire(before: time - horizon)
        let prediction = model.predictProbabilities(features)
        // A new time for an id needs its own expiry entry (the old one no longer matches).
        if pending.updateValue(Pending(features: features, prediction: prediction, time: time), forKey: id)?.time != time {
            order.append((id, time))
        }
        return prediction
    }

    /// The label of an earlier prediction: scores that prediction and learns from the example.
    /// Returns false (and learns nothing) when the id is unknown or has expired.
    @discardableResult
    public mutating func label(id: String, label: Int, time: Double, weight: Double = 1) -> Bool {
        expire(before: time - horizon)
        guard let entry = pending.removeValue(forKey: id) else {
            unknownLabels += 1
            return false
        }
        cumulative.record(label: label, probabilities: entry.prediction, weight: weight)
        model.learn(entry.features, label: label, weight: weight)
        return true
    }

    /// Drops predictions made before `time`.
    public mutating func expire(before time: Double) {
        while orderStart < order.count && order[orderStart].time < time {
            let (id, predictedAt) = order[orderStart]
            if let entry = pending[id], entry.time == predictedAt {
                pending[id] = nil
                expired += 1
            }
            orderStart += 1
        }
        if orderStart > 1_024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
