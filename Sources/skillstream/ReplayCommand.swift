import ArgumentParser
import Foundation
import SkillStreamDomain
import SkillStreamPublishing
import SkillStreamScoring
import SkillStreamSimulation

/// `skillstream replay`: recorded topics (JSON Lines files) through exactly the engine the
/// processor runs, and its outputs written as JSON Lines: a backtest on history.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run recorded events (one <topic>.jsonl per input topic) through the engine and write its alerts, recommendations and dead letters.",
        discussion: """
            Reads pos.table-service.jsonl, survey.guest-feedback.jsonl, hr.staff-events.jsonl, ref.restaurants.jsonl and \
            ref.training-programs.jsonl from --events (missing files count as empty), in event-time order across topics \
            (each file in its own order, so late records stay late), and writes skills.gap-alerts.jsonl, \
            skills.training-recommendations.jsonl, skillstream.dead-letter.jsonl (reason, field, message, source topic \
            and line, the original bytes in base64) and summary.json to --output.
            """)

    static let inputTopics = [Topics.tableService, Topics.guestFeedback, Topics.staffEvents, Topics.restaurants, Topics.trainingPrograms]

    @Option(help: "Directory of recorded topics.") var events: String
    @Option(help: "Directory for the outputs (created if missing).") var output: String
    @Option(help: "The default training catalog (JSON Lines of ref.training_program.v1).") var catalog = "Schemas/catalog/training-programs.jsonl"
    @Option(
        help: ArgumentHelp(
            "A ground truth of the recorded world (Schemas/simulation/ground-truth.schema.json) to score the alerts against.",
            discussion: "Scored as evaluate-scenario scores: precision, recall, median delay, confounded staff; added to the summary as \"detection\"."))
    var truth: String?

    func run() async throws {
        var topics: [(name: String, lines: [[UInt8]])] = []
        for topic in Self.inputTopics {
            let path = events + "/" + JSONLinesSink.fileName(topic: topic)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            topics.append((topic, bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0.last == 0x0D ? $0.dropLast() : $0) }))
        }
        guard !topics.isEmpty else {
            throw ValidationError("No recorded topics in \(events): expected files named " + Self.inputTopics.map { JSONLinesSink.fileName(topic: $0) }.joined(separator: ", "))
        }
        // Read first: a bad truth file should fail before a long replay, not after.
        let groundTruth = try truth.map { path in
            do {
                return try GroundTruth.decode(optionFile("--truth", path))
            } catch let invalid as GroundTruth.Invalid {
                throw ValidationError("--truth \(path): \(invalid)")
            }
        }
        let engine = SkillEngine(defaultPrograms: try TrainingCatalog.programs(jsonLines: Array(try optionFile("--catalog", catalog))))
        let sink = try JSONLinesSink(directory: output)
        // Recorded events were all received by now: the clock bounds how far ahead they may claim to be.
        let session = ReplaySession(engine: engine, receivedAt: EventTime(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)))
        if groundTruth != nil { session.evidence = RunEvidence() }
        for record in ReplayOrder(topics: topics) {
            for output in session.process(record) {
                try await sink.write(OutgoingRecord(topic: output.topic, key: output.key, value: output.value))
            }
        }
        try await sink.flush()
        var scored: [String: Any] = [:]
        if let groundTruth, let evidence = session.evidence {
            scored["detection"] = DetectionScore(truth: groundTruth, alerts: evidence.alerts, servedTables: evidence.servedTables).jsonFields
                .merging(ResolutionScore(truth: groundTruth, alerts: evidence.alerts).jsonFields) { own, _ in own }
        }
        let json = try session.summaryJSON(adding: scored)
        try json.write(to: URL(fileURLWithPath: output + "/summary.json"))
        print(String(decoding: json, as: UTF8.self))
    }
}
