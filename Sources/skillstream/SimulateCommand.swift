import ArgumentParser
import Foundation
import Logging
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamPublishing
import SkillStreamSimulation

/// `skillstream simulate`: a restaurant world with hidden ground truth, written to Kafka or to
/// JSON Lines files, as fast as possible or at real time × K.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate restaurants and their service staff: contract events out, ground truth on the side.",
        discussion: """
            Events go to the contract's topics (--brokers) or to one <topic>.jsonl file per topic (--out DIR), in the order \
            they are sent (event-time order, except the faults asked for). The ground truth (truly weak skills and when, \
            confounders, each program's true effect, injected faults) is written as JSON; its format is \
            Schemas/simulation/ground-truth.schema.json. The same --seed gives byte-identical output.
            """)

    @OptionGroup var output: OutputOptions

    @Option(help: "Random seed: the same seed gives the same world and the same bytes.") var seed: UInt64 = 1
    @Option(help: "Restaurants.") var restaurants = 12
    @Option(help: "Service staff per restaurant.") var staffPerRestaurant = 25
    @Option(help: "Days to simulate.") var days = 90
    @Option(help: "First day, YYYY-MM-DD (Peru time).") var start = "2026-06-01"
    @Option(help: "Share of staff with one or two planted weak skills.") var weakShare = 0.25
    @Option(help: "Share of restaurants whose kitchen has a bad month.") var kitchenIncidentShare = 0.25
    @Option(help: "Multiplier of every guest's chance of answering the survey.") var feedbackRate = 1.0
    @Option(help: "Chance per event of a duplicate.") var duplicateRate = SimulationConfiguration.Faults().duplicate
    @Option(help: "Chance per event of being sent up to 45 minutes late (out of order).") var outOfOrderRate = SimulationConfiguration.Faults().outOfOrder
    @Option(help: "Chance per event of being sent 8 to 48 hours late.") var lateRate = SimulationConfiguration.Faults().late
    @Option(help: "Chance per event of being replaced by a malformed message.") var malformedRate = SimulationConfiguration.Faults().malformed
    @Flag(help: "No injected faults at all.") var noFaults = false
    @Option(help: "Where to write the ground truth. Default: ground-truth.json in --out, else in the current directory.")
    var groundTruth: String?
    @Option(help: "Pace: real time × this factor (e.g. 3600 = an hour of restaurant time per second); 0 = as fast as possible.")
    var speed = 0.0
    @Option(
        help: "Pace: this many records per second, each stamped with the time it is sent rather than its simulated time (a live feed, for latency measurements); 0 = off.")
    var rate = 0.0
    @Option(
        help: "Kafka: read skills.training-recommendations while simulating and enrol this share of the recommended staff (closing the loop).")
    var followRecommendations: Double?
    @Flag(help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if speed < 0 { throw ValidationError("--speed must be 0 (as fast as possible) or positive.") }
        if rate < 0 { throw ValidationError("--rate must be 0 (off) or positive.") }
        if speed > 0 && rate > 0 { throw ValidationError("--speed and --rate are two paces: give one.") }
        if let share = followRecommendations {
            guard (0...1).contains(share) else { throw ValidationError("--follow-recommendations must be within 0…1.") }
            guard output.out == nil else { throw ValidationError("--follow-recommendations reads Kafka: it needs --brokers, not --out.") }
        }
        let problems = try simulationConfiguration().validationProblems()
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
    }

    func simulationConfiguration() throws -> SimulationConfiguration {
        var configuration = SimulationConfiguration()
        configuration.seed = seed
        configuration.restaurants = restaurants
        configuration.staffPerRestaurant = staffPerRestaurant
        configuration.days = days
        guard let first = EventTime(rfc3339: start + "T00:00:00-05:00") else { throw ValidationError("--start must be YYYY-MM-DD, got '\(start)'.") }
        configuration.startDay = first.localDay
        configuration.weakStaffShare = weakShare
        configuration.kitchenIncidentShare = kitchenIncidentShare
        configuration.feedbackRate = feedbackRate
        if noFaults {
            configuration.faults = .none
        } else {
            configuration.faults.duplicate = duplicateRate
            configuration.faults.outOfOrder = outOfOrderRate
            configuration.faults.late = lateRate
            configuration.faults.malformed = malformedRate
        }
        return configuration
    }

    func run() async throws {
        var logger = Logger(label: "skillstream.simulate")
        logger.logLevel = .warning
        let simulator = RestaurantSimulator(configuration: try simulationConfiguration())
        let sink = try await output.makeSink(logger: logger)
        let recommendations = try followRecommendations.map { _ in
            try RecommendationFeed(
                configuration: KafkaConfiguration(bootstrapServers: try output.kafkaBrokers()!), groupID: "skillstream-simulator",
                topic: output.topics.trainingRecommendations, logger: logger)
        }
        let clock = ContinuousClock()
        let began = clock.now
        var lastProgress = began
        var firstSentAt: Int64?
        var written = 0
        var outcomes: [RestaurantSimulator.RecommendationOutcome: Int] = [:]
        var unreadable = 0
        var dayNumber = 0
        while let records = simulator.nextDay() {
            dayNumber += 1
            for record in records {
                if speed > 0 {
                    let origin = firstSentAt ?? record.sentAt
                    firstSentAt = origin
                    let due = began + .milliseconds(Int64(Double(record.sentAt - origin) / speed))
                    if due > clock.now {
                        try await sink.flush()
                        try await Task.sleep(until: due, clock: clock)
                    }
                }
                if rate > 0 {
                    let due = began + .seconds(Double(written) / rate)
                    if due > clock.now + .milliseconds(5) {
                        try await sink.flush()
                        try await Task.sleep(until: due, clock: clock)
                    }
                }
                try await sink.write(
                    OutgoingRecord(topic: record.topic, key: record.key, value: record.value, timestampMilliseconds: rate > 0 ? nil : record.sentAt))
                written += 1
            }
            if let recommendations, let share = followRecommendations {
                try await sink.flush()
                for recommendation in try await recommendations.poll() {
                    guard let recommendation else {
                        unreadable += 1
                        continue
                    }
                    let outcome = simulator.receiveRecommendation(staffID: recommendation.staffID, programID: recommendation.programID, followShare: share)
                    outcomes[outcome, default: 0] += 1
                }
            }
            if !quiet, clock.now - lastProgress > .seconds(2) {
                lastProgress = clock.now
                let seconds = (clock.now - began).seconds
                progress("day \(dayNumber)/\(days): \(written) records, \(Int(Double(written) / seconds)) records/s")
            }
        }
        try await sink.flush()
        try await recommendations?.close()
        let truthPath = groundTruth ?? ((output.out ?? ".") + "/ground-truth.json")
        try simulator.groundTruth.jsonData().write(to: URL(fileURLWithPath: truthPath))
        let seconds = (clock.now - began).seconds
        print("Simulated \(days) days of \(restaurants) restaurants × \(staffPerRestaurant) staff: \(written) records in \(String(format: "%.1f", seconds)) s.")
        print(topicTable(sink.recordsPerTopic))
        if followRecommendations != nil {
            let counts = outcomes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" } + ["\(unreadable) unreadable"]
            print("Recommendations: " + counts.joined(separator: ", "))
        }
        print("Ground truth: \(truthPath)")
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
