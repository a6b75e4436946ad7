import ArgumentParser
import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamScoring
import SkillStreamSimulation

extension Recommender.Policy: ExpressibleByArgument {}

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
    @Option(help: "Share of the top recommendations the simulated restaurants follow (the closed loop).") var followShare = 0.5
    @Option(help: "How recommendations are ranked: measured (the product), random (the baseline) or oracle (by the simulator's true effects: the bound).")
    var policy: Recommender.Policy = .measured
    @Option(help: "The default training catalog (JSON Lines of ref.training_program.v1).") var catalog = "Schemas/catalog/training-programs.jsonl"
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Flag(help: "Also list every alert opened, with what the ground truth says of its staff member and skill, every resolution, and the gaps missed.")
    var listAlerts = false
    @Option(help: "Also write the run's ground truth here (closed loop included: the trainings the recommendations led to).")
    var groundTruth: String?
    @Option(
        help: """
            Engines, one per partition, as the processor runs them: the restaurants spread over this many partitions by the \
            producer's partitioner, each engine learning its models, role calibration and program effects from its own \
            restaurants; reference records reach every engine. 1: one engine for all restaurants, as replay runs.
            """)
    var partitions: Int32 = 1
    @Option(
        help: """
            Every this many simulated days, the engines' own program effects are pooled and sent to every engine as             ref.training-programs records with measured effects, as `skillstream share-program-effects` does for the             processor's partitions. 0: never.
            """)
    var shareEffectsDays = 0

    func run() throws {
        var configuration = SimulationConfiguration()
        configuration.seed = seed
        configuration.restaurants = restaurants
        configuration.staffPerRestaurant = staffPerRestaurant
        configuration.days = days
        let problems =
            configuration.validationProblems() + (partitions < 1 ? ["--partitions must be at least 1"] : [])
            + (shareEffectsDays < 0 ? ["--share-effects-days must be 0 (never) or more"] : [])
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        let simulator = RestaurantSimulator(configuration: configuration)
        let programs = try TrainingCatalog.programs(jsonLines: Array(try optionFile("--catalog", catalog)))
        let engines = (0..<partitions).map { partition in
            let engine = SkillEngine(defaultPrograms: programs)
            engine.partition = partition
            engine.recommender = Recommender(policy: policy, trueEffects: SimulationCatalog.trueEffects)
            engine.keepsAssessments = true
            return engine
        }
        var standings: [String: [Skill: SkillStanding]] = [:]
        var recommendations: [TrainingRecommendation] = []
        var evidence = RunEvidence()
        var records = 0
        var daysSimulated = 0
        while let day = simulator.nextDay() {
            daysSimulated += 1
            if shareEffectsDays > 0, daysSimulated % shareEffectsDays == 0, let first = day.first {
                let byPartition = Dictionary(uniqueKeysWithValues: engines.map { ($0.partition!, $0.effectiveness.estimates) })
                let time = EventTime(millisecondsSinceEpoch: first.sentAt, offsetMinutes: -300)
                for program in ProgramEffectShare.records(catalog: engines[0].programs, byPartition: byPartition, at: time) {
                    let event = ContractEvent.trainingProgram(program)
                    for engine in engines { evidence.record(engine.process(EventEncoder.encode(event), key: event.messageKey)) }
                }
            }
            for record in day {
                records += 1
                let isReference = record.topic == Topics.restaurants || record.topic == Topics.trainingPrograms
                for engine in isReference ? engines : [engines[Int(KafkaPartitioner.partition(ofKey: record.key, partitions: partitions))]] {
                    let step = engine.process(record.value, key: record.key, receivedAt: EventTime(millisecondsSinceEpoch: record.sentAt))
                    evidence.record(step)
                    // Skill by skill, like the profiles: a skill without enough tables keeps its last score.
                    for assessment in engine.takeAssessments() {
                        for skill in assessment.skills {
                            standings[assessment.staffID, default: [:]][skill.skill] = SkillStanding(score: skill.skillScore, benchmark: skill.benchmark)
                        }
                    }
                    recommendations += step.recommendations
                    // The restaurant follows the first choice, or not.
                    for recommendation in step.recommendations where recommendation.rank == 1 {
                        _ = simulator.receiveRecommendation(staffID: recommendation.staffID, programID: recommendation.programID, followShare: followShare)
                    }
                }
            }
        }
        let alerts = evidence.alerts
        let served = evidence.servedTables
        let truth = simulator.groundTruth
        if let groundTruth { try truth.jsonData().write(to: URL(fileURLWithPath: groundTruth)) }
        let score = DetectionScore(truth: truth, alerts: alerts, servedTables: served)
        let endings = ResolutionScore(truth: truth, alerts: alerts)
        let profiles = ProfileScore(truth: truth, standings: standings)
        // Each partition holding restaurants ranks with what it measured: its (skill, role) pairs
        // are scored apart (a partition no restaurant landed on has nothing to rank).
        let holding = engines.indices.filter { !engines[$0].state.staff.isEmpty }
        let shown = holding.first ?? 0
        let engine = engines[shown]
        let trainings = (holding.isEmpty ? [0] : holding).map { engines[$0] }.map { engine in
            TrainingScore(
                truth: truth, alerts: alerts, estimatedEffects: engine.effectiveness.estimates(of: engine.programs).mapValues { $0.mapValues(\.mean) },
                programs: engine.programs)
        }
        var training = trainings[0]
        training.rankingPairs = trainings.map(\.rankingPairs).reduce(0, +)
        training.rankingCorrect = trainings.map(\.rankingCorrect).reduce(0, +)
        if listAlerts {
            var seen = Set<String>()
            for alert in alerts where alert.status == .open && seen.insert(alert.alertID).inserted {
                let member = truth.staff.first { $0.staffId == alert.staffID }
                let periods = (member?.weakSkills ?? []).filter { $0.skill == alert.skill.rawValue }
                    .map { "\($0.from.prefix(10))…\($0.to?.prefix(10) ?? "end") \($0.cause) \($0.lowestLevel)" }
                print(
                    "\(alert.detectedAt.description.prefix(16)) \(alert.staffID) \(member?.role ?? "?") hired \(member?.hiredAt.prefix(10) ?? "?") "
                        + "\(alert.skill.rawValue) severity \(alert.severity) \(score.correctAlertIDs.contains(alert.alertID) ? "correct" : "WRONG") "
                        + "truth: \(periods.isEmpty ? "never weak" : periods.joined(separator: "; ")) | \(alert.textEN)")
            }
            for alert in alerts where alert.status == .resolved {
                print("RESOLVED \(alert.detectedAt.description.prefix(16)) \(alert.staffID) \(alert.skill.rawValue) \(alert.alertID)")
            }
            for missed in score.missedGaps.sorted(by: { $0.from < $1.from }) {
                let staffID = missed.staffID
                let member = truth.staff.first { $0.staffId == staffID }
                print(
                    "MISSED \(staffID)|\(missed.skill) \(member?.role ?? "?") hired \(member?.hiredAt.prefix(10) ?? "?") weak "
                        + "\(EventTime(millisecondsSinceEpoch: missed.from, offsetMinutes: -300).description.prefix(10))…"
                        + "\(EventTime(millisecondsSinceEpoch: missed.to, offsetMinutes: -300).description.prefix(10)) tables while weak: "
                        + "\((served[staffID] ?? []).filter { $0 >= missed.from && $0 <= missed.to }.count)")
            }
        }
        if json {
            let object: [String: Any] = [
                "seed": seed, "records": records, "partitions": partitions, "policy": policy.rawValue, "recommendations": recommendations.count, "ranking_pairs": training.rankingPairs,
                "ranking_correct": training.rankingCorrect, "gap_days_after_alert": training.meanWeakDaysAfterAlert ?? NSNull(),
                "gap_days_after_alert_when_trained": training.meanWeakDaysAfterAlertWhenTrained ?? NSNull(),
                "gaps_trained": training.weakDaysAfterAlertWhenTrained.count,
                "profile_shown_far": profiles.shownFar, "profile_shown_far_truly_weak": profiles.shownFarTrulyWeak,
                "profile_truly_weak": profiles.trulyWeak,
                "recommended_trainings_completed": training.recommendedCompleted, "ranking_share": Double(training.rankingCorrect) / Double(max(1, training.rankingPairs)),
            ].merging(score.jsonFields) { own, _ in own }.merging(endings.jsonFields) { own, _ in own }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(
                "Scenario: seed \(seed), \(restaurants) restaurants × \(staffPerRestaurant) staff, \(days) days, \(records) records"
                    + (partitions > 1
                        ? ", \(partitions) partitions, \(holding.count) holding restaurants (ranking pairs counted per partition; models and program effects below: partition \(shown)'s)."
                        : "."))
            print(score)
            print(endings)
            print(profiles)
            for item in engine.models.quality() where item.target == .dissatisfied {
                let metrics = item.quality.overall
                print("model \(item.model) on dissatisfaction: log loss \(String(format: "%.3f", metrics.logLoss)), ROC AUC \(String(format: "%.3f", metrics.rocAUC)), \(Int(metrics.count)) examples")
            }
            print("driving: " + OutcomeModels.Target.allCases.map { "\($0.name) \(engine.models.drivingModel($0) ?? "none yet")" }.joined(separator: ", "))
            print("recommendations (\(policy.rawValue) ranking, \(Int(followShare * 100)) % followed): \(recommendations.count)")
            let measured = engine.effectiveness.estimates.flatMap { program in program.value.map { "\(program.key)/\($0.key.rawValue): \($0.value.observations) → \(String(format: "%+.1f", $0.value.mean))" } }.sorted()
            print("training effects measured: " + (measured.isEmpty ? "none" : measured.joined(separator: ", ")))
            print(training)
        }
    }
}
