import ArgumentParser
import Foundation
import SkillStreamDomain
import SkillStreamScoring
import SkillStreamSimulation

/// `skillstream evaluate-scenario`: the simulator and the engine in one process, and the alerts
/// scored against the simulated world's ground truth.
struct EvaluateScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-scenario",
        abstract: "Run a simulated world through the engine and score its gap alerts against the ground truth.")

    @Option(help: "Simulator seed.") var seed: UInt64 = 1
    @Option(help: "Restaurants.") var restaurants = 12
    @Option(help: "Service staff per restaurant.") var staffPerRestaurant = 25
    @Option(help: "Days to simulate.") var days = 90
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        var configuration = SimulationConfiguration()
        configuration.seed = seed
        configuration.restaurants = restaurants
        configuration.staffPerRestaurant = staffPerRestaurant
        configuration.days = days
        let problems = configuration.validationProblems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        let simulator = RestaurantSimulator(configuration: configuration)
        let engine = SkillEngine()
        var alerts: [GapAlert] = []
        var served: [String: [Int64]] = [:]
        var records = 0
        while let day = simulator.nextDay() {
            for record in day {
                records += 1
                let step = engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
                alerts += step.alerts
                if case .processed(.tableService(let visit), _) = step.outcome {
                    served[visit.staffID, default: []].append(visit.header.occurredAt.millisecondsSinceEpoch)
                }
            }
        }
        let score = DetectionScore(truth: simulator.groundTruth, alerts: alerts, servedTables: served)
        if json {
            let object: [String: Any] = [
                "seed": seed, "records": records, "alerts_opened": score.alertsOpened, "correct_alerts": score.correctAlerts,
                "precision": score.precision, "true_gaps": score.trueGaps, "detected_gaps": score.detectedGaps, "recall": score.recall,
                "median_delay_days": score.medianDelayDays ?? NSNull(), "confounded_share": score.confoundedShare,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("Scenario: seed \(seed), \(restaurants) restaurants × \(staffPerRestaurant) staff, \(days) days, \(records) records.")
            print(score)
        }
    }
}
