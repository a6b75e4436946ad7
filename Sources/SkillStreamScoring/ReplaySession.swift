import Foundation
import SkillStreamDomain

/// What `skillstream replay` does with recorded records, without the files: each record
/// through the engine, and what comes out — gap alerts, recommendations, dead letters — as
/// records for the output topics, with the counts of the run.
public final class ReplaySession {
    /// One output record.
    public struct Output: Sendable, Hashable {
        public var topic: String
        public var key: String?
        public var value: [UInt8]
    }

    public let engine: SkillEngine
    /// The receipt time given to every record (recorded events were all received by then).
    private let receivedAt: EventTime
    public private(set) var readByTopic: [String: Int] = [:]
    public private(set) var alertsOpened = 0
    public private(set) var alertsUpdated = 0
    public private(set) var alertsResolved = 0
    public private(set) var recommendations = 0
    private var seenAlerts = Set<String>()
    /// Collected only when set (`replay --truth`): the run's alerts and served tables, to score.
    public var evidence: RunEvidence?

    public init(engine: SkillEngine, receivedAt: EventTime) {
        self.engine = engine
        self.receivedAt = receivedAt
    }

    /// Runs one recorded record; its outputs in order.
    public func process(_ record: ReplayOrder.Record) -> [Output] {
        readByTopic[record.topic, default: 0] += 1
        // No key check: a recording keeps no keys, and one derived from the event always matches.
        let step = engine.process(record.value, key: nil, receivedAt: receivedAt)
        evidence?.record(step)
        var outputs: [Output] = []
        if case .deadLetter(let rejection) = step.outcome {
            // Rare: only here is the key worth a second decode (nil when the bytes do not decode).
            let key = try? EventDecoder().decode(record.value).get().messageKey
            outputs.append(Output(topic: Topics.deadLetter, key: key, value: Self.deadLetter(record, rejection)))
        }
        for alert in step.alerts {
            switch alert.status {
            case .resolved: alertsResolved += 1
            case .open: if seenAlerts.insert(alert.alertID).inserted { alertsOpened += 1 } else { alertsUpdated += 1 }
            }
            outputs.append(Output(topic: Topics.gapAlerts, key: alert.restaurantID, value: alert.encoded()))
        }
        for recommendation in step.recommendations {
            recommendations += 1
            outputs.append(Output(topic: Topics.trainingRecommendations, key: recommendation.restaurantID, value: recommendation.encoded()))
        }
        return outputs
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

    /// The run's summary: counts per outcome and reason, alerts, recommendations, and the
    /// models' prequential quality per target, as summary.json holds it, with `extra` entries added
    /// (`replay --truth`'s detection figures).
    public func summaryJSON(adding extra: [String: Any] = [:]) throws -> Data {
        let counters = engine.state.counters
        var models: [String: Any] = [:]
        for target in OutcomeModels.Target.allCases {
            var entry: [String: Any] = ["driving": engine.models.drivingModel(target) ?? "none yet"]
            for item in engine.models.quality() where item.target == target {
                let metrics = item.quality.overall
                entry[item.model] = ["examples": Int(metrics.count), "log_loss": metrics.logLoss, "roc_auc": metrics.rocAUC, "f1": metrics.f1]
            }
            models[target.name] = entry
        }
        let object: [String: Any] = [
            "read_by_topic": readByTopic, "consumed": counters.consumed, "processed": counters.processed, "duplicates": counters.duplicates,
            "late": counters.late, "imputed": counters.imputed, "winsorized": counters.winsorized,
            "complaints_from_comments": counters.complaintsFromComments, "labels_joined": counters.labelsJoined,
            "visits_expired": counters.visitsExpired, "answered_tables_not_seen": counters.answeredTablesNotSeen, "dead_lettered": counters.deadLettered,
            "dead_lettered_by_reason": Dictionary(uniqueKeysWithValues: counters.deadLetteredByReason.map { ($0.key.rawValue, $0.value) }),
            "alerts": ["opened": alertsOpened, "updated": alertsUpdated, "resolved": alertsResolved], "recommendations": recommendations,
            "open_gaps_at_end": engine.openGaps, "models": models, "drifts_detected_by_restaurant": engine.models.driftsDetected,
        ].merging(extra) { _, added in added }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }
}
