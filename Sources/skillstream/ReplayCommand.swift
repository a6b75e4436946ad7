import ArgumentParser
import Foundation
import SkillStreamDomain
import SkillStreamPublishing
import SkillStreamScoring

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
        let engine = SkillEngine(defaultPrograms: try TrainingCatalog.programs(jsonLines: Array(try Data(contentsOf: URL(fileURLWithPath: catalog)))))
        let sink = try JSONLinesSink(directory: output)
        var summary = ReplaySummary()
        // Recorded events were all received by now: the clock bounds how far ahead they may claim to be.
        let now = EventTime(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000))
        for record in ReplayOrder(topics: topics) {
            summary.read[record.topic, default: 0] += 1
            let key = Self.messageKey(record.value)
            let step = engine.process(record.value, key: key, receivedAt: now)
            if case .deadLetter(let rejection) = step.outcome {
                try await sink.write(OutgoingRecord(topic: Topics.deadLetter, key: key, value: Self.deadLetter(record, rejection)))
            }
            for alert in step.alerts {
                summary.count(alert)
                try await sink.write(OutgoingRecord(topic: Topics.gapAlerts, key: alert.restaurantID, value: alert.encoded()))
            }
            for recommendation in step.recommendations {
                summary.recommendations += 1
                try await sink.write(OutgoingRecord(topic: Topics.trainingRecommendations, key: recommendation.restaurantID, value: recommendation.encoded()))
            }
        }
        try await sink.flush()
        summary.finish(engine)
        let json = try summary.jsonData()
        try json.write(to: URL(fileURLWithPath: output + "/summary.json"))
        print(String(decoding: json, as: UTF8.self))
    }

    /// The key the event would have carried (its restaurant, or its program); nil when the
    /// message cannot be decoded at all.
    static func messageKey(_ bytes: [UInt8]) -> String? {
        guard case .success(let event) = EventDecoder().decode(bytes) else { return nil }
        if case .trainingProgram(let program) = event { return program.programID }
        return event.header.restaurantID
    }

    /// A dead letter as one JSON line: why, where from, and the original bytes in base64.
    static func deadLetter(_ record: ReplayOrder.Record, _ rejection: Rejection) -> [UInt8] {
        var object: [String: Any] = [
            "reason": rejection.reason.rawValue, "message": rejection.message, "source_topic": record.topic, "source_line": record.line,
            "value_base64": Data(record.value).base64EncodedString(),
        ]
        if let field = rejection.field { object["field"] = field }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}

/// Prequential quality per target and model (log loss, ROC AUC, F1, examples), and which
/// model drives each target.
func modelQuality(_ models: OutcomeModels) -> [String: Any] {
    var byTarget: [String: Any] = [:]
    for target in OutcomeModels.Target.allCases {
        var entry: [String: Any] = ["driving": models.drivingModel(target) ?? "none yet"]
        for item in models.quality() where item.target == target {
            let metrics = item.quality.overall
            entry[item.model] = ["examples": Int(metrics.count), "log_loss": metrics.logLoss, "roc_auc": metrics.rocAUC, "f1": metrics.f1]
        }
        byTarget[target.name] = entry
    }
    return byTarget
}

/// What a replay did, written as summary.json.
struct ReplaySummary {
    var read: [String: Int] = [:]
    var alertsOpened = 0
    var alertsUpdated = 0
    var alertsResolved = 0
    var recommendations = 0
    private var seenAlerts = Set<String>()
    private var finished: [String: Any] = [:]

    mutating func count(_ alert: GapAlert) {
        switch alert.status {
        case .resolved: alertsResolved += 1
        case .open: if seenAlerts.insert(alert.alertID).inserted { alertsOpened += 1 } else { alertsUpdated += 1 }
        }
    }

    mutating func finish(_ engine: SkillEngine) {
        let counters = engine.state.counters
        finished = [
            "consumed": counters.consumed, "processed": counters.processed, "duplicates": counters.duplicates, "late": counters.late,
            "imputed": counters.imputed, "winsorized": counters.winsorized, "complaints_from_comments": counters.complaintsFromComments,
            "labels_joined": counters.labelsJoined, "visits_expired": counters.visitsExpired, "dead_lettered": counters.deadLettered,
            "dead_lettered_by_reason": Dictionary(uniqueKeysWithValues: counters.deadLetteredByReason.map { ($0.key.rawValue, $0.value) }),
            "open_gaps_at_end": engine.openGaps,
            "models": modelQuality(engine.models),
            "drifts_detected_by_restaurant": engine.models.driftsDetected,
        ]
    }

    func jsonData() throws -> Data {
        var object = finished
        object["read_by_topic"] = read
        object["alerts"] = ["opened": alertsOpened, "updated": alertsUpdated, "resolved": alertsResolved]
        object["recommendations"] = recommendations
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }
}
