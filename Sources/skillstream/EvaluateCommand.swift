import ArgumentParser
import Foundation
import SkillStreamLearning

/// `skillstream evaluate`: prequential (test-then-train) evaluation of one learner on a CSV stream.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Prequential evaluation of an online learner on a CSV stream (header row, numeric features, last column 'label').")

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case logistic
        case hoeffdingTree = "hoeffding-tree"
        case hoeffdingAdaptiveTree = "hoeffding-adaptive-tree"
    }

    enum OptimizerName: String, ExpressibleByArgument, CaseIterable {
        case sgd, adagrad, adam
    }

    @Option(help: "The CSV stream.") var csv: String
    @Option(help: "The learner: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).") var model: Model
    @Option(help: "Comma-separated names of nominal (categorical code) columns.") var nominal: String?
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    @Option(help: "Trees: grace period.") var gracePeriod: Double?
    @Option(help: "Trees: split confidence δ.") var splitConfidence: Double?
    @Option(help: "Trees: tie threshold τ.") var tieThreshold: Double?
    @Option(help: "Trees: leaf prediction mc, nb or nba.") var leafPrediction: String?
    @Flag(help: "Trees: never consider 'no split' (MOA -p).") var noPrePrune = false
    @Flag(help: "Trees: capymoa's defaults (MOA -m 33554433 -c 0.001 -z -p).") var capymoa = false
    @Option(help: "Trees: Gini instead of information gain.") var splitCriterion: String?
    @Option(help: "Adaptive tree: bootstrap seed.") var seed: UInt64?

    @Option(help: "Logistic: optimizer sgd, adagrad or adam.") var optimizer: OptimizerName = .adagrad
    @Option(help: "Logistic: learning rate (default 0.01 for SGD, 0.1 for AdaGrad, 0.01 for Adam).") var learningRate: Double?
    @Option(help: "Logistic: L2 penalty.") var l2: Double = 0
    @Flag(inversion: .prefixedNo, help: "Logistic: standardize features online.") var standardize = true

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: csv, encoding: .utf8)
        } catch {
            throw ValidationError("Cannot read \(csv): \(error.localizedDescription)")
        }
        let nominalColumns = Set((nominal ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let dataset: LabelledDataset
        do {
            dataset = try LabelledDataset(csv: text, nominal: nominalColumns)
        } catch {
            throw ValidationError("\(csv): \(error)")
        }
        let report: PrequentialReport
        switch model {
        case .logistic:
            guard dataset.classCount == 2 else { throw ValidationError("logistic regression needs labels 0 and 1") }
            report = dataset.prequential(LogisticRegression(schema: dataset.schema, configuration: logisticConfiguration()))
        case .hoeffdingTree:
            report = dataset.prequential(HoeffdingTree(schema: dataset.schema, classCount: dataset.classCount, configuration: try treeConfiguration()))
        case .hoeffdingAdaptiveTree:
            report = dataset.prequential(
                HoeffdingAdaptiveTree(schema: dataset.schema, classCount: dataset.classCount, configuration: try treeConfiguration()))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("""
                stream      \(csv) (\(report.samples) rows, \(dataset.schema.count) features)
                model       \(model.rawValue)
                accuracy    \(String(format: "%.4f", report.accuracy))
                F1          \(String(format: "%.4f", report.f1))
                log loss    \(String(format: "%.4f", report.logLoss))
                ROC AUC     \(String(format: "%.4f", report.rocAUC))
                samples/s   \(String(format: "%.0f", report.samplesPerSecond)) (predict + learn)
                peak memory \(report.peakModelBytes) bytes (model estimate)
                """)
        }
    }

    func logisticConfiguration() -> LogisticRegression.Configuration {
        let optimizer: LogisticRegression.Optimizer =
            switch self.optimizer {
            case .sgd: .sgd(learningRate: learningRate ?? 0.01)
            case .adagrad: .adaGrad(learningRate: learningRate ?? 0.1)
            case .adam: .adam(learningRate: learningRate ?? 0.01)
            }
        return LogisticRegression.Configuration(optimizer: optimizer, l2: l2, standardize: standardize)
    }

    func treeConfiguration() throws -> HoeffdingTreeConfiguration {
        var configuration = capymoa ? HoeffdingTreeConfiguration.capymoa : HoeffdingTreeConfiguration()
        if let gracePeriod { configuration.gracePeriod = gracePeriod }
        if let splitConfidence { configuration.splitConfidence = splitConfidence }
        if let tieThreshold { configuration.tieThreshold = tieThreshold }
        if noPrePrune { configuration.prePrune = false }
        if let seed { configuration.seed = seed }
        if let leafPrediction {
            guard let mode = LeafPrediction(rawValue: leafPrediction) else { throw ValidationError("leaf prediction must be mc, nb or nba") }
            configuration.leafPrediction = mode
        }
        switch splitCriterion {
        case nil, "info-gain": break
        case "gini": configuration.splitCriterion = .gini
        default: throw ValidationError("split criterion must be info-gain or gini")
        }
        return configuration
    }
}
