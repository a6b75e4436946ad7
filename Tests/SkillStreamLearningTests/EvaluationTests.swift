import RealModule
import Testing

@testable import SkillStreamLearning

@Suite struct EvaluationTests {
    @Test func metricsMatchHandCountedValues() {
        var metrics = ClassificationMetrics()
        // (label, probability of class 1): TP, TP, FP, FN, TN
        for (label, positive) in [(1, 0.9), (1, 0.8), (0, 0.7), (1, 0.2), (0, 0.1)] {
            metrics.record(label: label, probabilities: [1 - positive, positive])
        }
        #expect(metrics.accuracy == 0.6)
        #expect(abs(metrics.precision - 2.0 / 3) < 1e-12)
        #expect(abs(metrics.recall - 2.0 / 3) < 1e-12)
        #expect(abs(metrics.f1 - 2.0 / 3) < 1e-12)
        let expectedLogLoss = -(Double.log(0.9) + Double.log(0.8) + Double.log(0.3) + Double.log(0.2) + Double.log(0.9)) / 5
        #expect(abs(metrics.logLoss - expectedLogLoss) < 1e-12)
        // Of the 3 × 2 positive/negative pairs, 5 are ranked right.
        #expect(abs(metrics.rocAUC - 5.0 / 6) < 1e-12)
    }

    @Test func logLossClipsCertainWrongAnswers() {
        var metrics = ClassificationMetrics()
        metrics.record(label: 1, probabilities: [1, 0])
        #expect(abs(metrics.logLoss - -Double.log(1e-15)) < 1e-9)
    }

    @Test func windowedMetricsCoverOnlyTheLastPredictions() {
        var window = WindowedClassificationMetrics(size: 3)
        for label in [0, 0, 0, 1, 1, 1] { window.record(label: label, probabilities: [0.2, 0.8]) }
        #expect(window.metrics.accuracy == 1)
        #expect(window.metrics.rocAUC == 0.5)  // one class only in the window
    }

    @Test func windowedLogLossIsThatOfTheLastPredictionsAndSurvivesACheckpoint() throws {
        var window = WindowedClassificationMetrics(size: 4)
        var last: [(Int, [Double])] = []
        for step in 0..<11 {
            let positive = Double(step % 5 + 1) / 7
            let label = step % 3 == 0 ? 1 : 0
            window.record(label: label, probabilities: [1 - positive, positive])
            last = Array((last + [(label, [1 - positive, positive])]).suffix(4))
        }
        var direct = ClassificationMetrics()
        for (label, prediction) in last { direct.record(label: label, probabilities: prediction) }
        #expect(abs(window.logLoss - direct.logLoss) < 1e-12, "the last four only, after wrapping around")
        #expect(window.logLoss == window.metrics.logLoss)
        var writer = SnapshotWriter()
        window.write(to: &writer)
        var reader = SnapshotReader(writer.bytes)
        let restored = try WindowedClassificationMetrics.read(from: &reader)
        #expect(restored == window && restored.logLoss == window.logLoss)
        #expect(WindowedClassificationMetrics(size: 3).logLoss == 0, "nothing recorded yet")
    }

    @Test func prequentialEvaluatorPredictsBeforeLearning() throws {
        let model = LogisticRegression(schema: try FeatureSchema(names: ["x"]))
        var evaluator = PrequentialEvaluator(model: model)
        let first = evaluator.process([1], label: 1)
        #expect(first == [0.5, 0.5], "the first prediction is made before any learning")
        #expect(model.intercept > 0)
        #expect(evaluator.cumulative.count == 1)
    }

    @Test func delayedLabelsAreScoredAgainstThePredictionAndExpireAfterTheHorizon() throws {
        let model = LogisticRegression(schema: try FeatureSchema(names: ["x"]))
        var evaluator = DelayedLabelEvaluator(model: model, horizon: 100)
        evaluator.predict(id: "visit-1", features: [1], time: 0)
        evaluator.predict(id: "visit-2", features: [2], time: 10)
        #expect(evaluator.pendingCount == 2)
        let accepted = evaluator.label(id: "visit-1", label: 1, time: 50)
        #expect(accepted)
        #expect(evaluator.cumulative.count == 1 && model.intercept > 0)
        evaluator.predict(id: "visit-3", features: [3], time: 200)  // visit-2 is now past the horizon
        #expect(evaluator.expired == 1 && evaluator.pendingCount == 1)
        let intercept = model.intercept
        let late = evaluator.label(id: "visit-2", label: 1, time: 201)
        #expect(!late, "an expired prediction learns nothing")
        #expect(model.intercept == intercept && evaluator.unknownLabels == 1)
    }

    @Test func csvStreamsParseAndBadRowsNameTheirLine() throws {
        let dataset = try LabelledDataset(csv: "a,b,label\n1,2,0\n3, ,1\n\n", nominal: ["b"])
        #expect(dataset.rows.count == 2 && dataset.labels == [0, 1] && dataset.rows[1][1].isNaN)
        #expect(dataset.schema.isNominal == [false, true])
        #expect(throws: LearningError.invalidExample("line 3: 'a' is not a number: 'x'")) {
            try LabelledDataset(csv: "a,label\n1,0\nx,1\n")
        }
        #expect(throws: LearningError.invalidExample("line 2: 3 fields, the header has 2")) {
            try LabelledDataset(csv: "a,label\n1,0,5\n")
        }
        #expect(throws: LearningError.self) { try LabelledDataset(csv: "a,b\n1,0\n") }  // no label column
        #expect(throws: LearningError.self) { try LabelledDataset(csv: "a,label\n1,-1\n") }  // negative label
        #expect(throws: LearningError.self) { try LabelledDataset(csv: "a,label\n1.5,1\n", nominal: ["a"]) }  // not a code
    }

    @Test func prequentialReportOnAnEasyStream() throws {
        var text = "x,label\n"
        var random = RandomSource(seed: 2)
        for _ in 0..<5_000 {
            let x = random.nextUnit()
            text += "\(x),\(x > 0.5 ? 1 : 0)\n"
        }
        let dataset = try LabelledDataset(csv: text)
        let report = dataset.prequential(HoeffdingTree(schema: dataset.schema))
        #expect(report.samples == 5_000)
        #expect(report.accuracy > 0.95 && report.rocAUC > 0.95)
        #expect(report.samplesPerSecond > 0 && report.peakModelBytes > 0)
    }
}
