import Hummingbird
import SkillStreamDomain

// What the API answers with (Schemas/openapi.yaml describes each as a schema of the same name),
// each writing its own JSON (snake_case members; an absent optional is left out). Times are
// RFC 3339 in UTC; scores are on the skill scale of 0–100 the processor uses.

/// A JSON object the API writes itself with ``JSONWriter``: no reflection and no key
/// conversion, which made Foundation's encoder most of a staff list's cost.
protocol JSONObject: Sendable {
    func write(to json: inout JSONWriter)
}

/// A whole response body.
protocol JSONBody: JSONObject, ResponseGenerator {}

extension JSONBody {
    func response(from request: Request, context: some RequestContext) throws -> Response { jsonResponse(status: .ok) }

    func jsonResponse(status: HTTPResponse.Status) -> Response {
        var json = JSONWriter()
        write(to: &json)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.finish())))
    }
}

extension JSONWriter {
    mutating func string(_ name: StaticString, _ value: String?) {
        if let value { string(name, value) }
    }

    mutating func integer(_ name: StaticString, _ value: Int?) {
        if let value { integer(name, value) }
    }

    mutating func number(_ name: StaticString, _ value: Double?) {
        if let value { number(name, value) }
    }

    mutating func objects(_ name: StaticString, _ elements: [some JSONObject]) {
        objects(name, elements) { json, element in element.write(to: &json) }
    }

    mutating func object(_ name: StaticString, _ element: some JSONObject) {
        object(name) { element.write(to: &$0) }
    }
}

/// A restaurant with its standards and how many staff and open gaps it has now (the counts
/// only for those who may see its people: ``withoutCounts``).
struct RestaurantView: JSONBody {
    var restaurantID: String
    var name: String
    var city: String
    var timezone: String
    var serviceQualityBenchmark: Double
    var targetWaitTimeSeconds: Double
    var fineDiningAccreditation: Bool
    var staffCount: Int?
    var openAlerts: Int?

    /// The restaurant as a staff member sees it: its name and standards, not how many of their
    /// colleagues have a gap (in a small team, their own taken away would say who).
    var withoutCounts: RestaurantView {
        var view = self
        (view.staffCount, view.openAlerts) = (nil, nil)
        return view
    }
}

/// A staff member's latest assessment of one skill against the restaurant's benchmark.
struct SkillLevelView: JSONObject {
    var skill: String
    var skillScore: Double
    var benchmark: Double
    var belowBenchmark: Bool
    /// How sure the gap tests are that the skill falls short (0–1).
    var gapProbability: Double
    /// Table visits behind the assessment.
    var tables: Int
    var assessedAt: String
    var openAlert: Bool
}

/// A staff member and their current skill profile.
struct StaffView: JSONBody {
    var restaurantID: String
    var staffID: String
    var role: String?
    var skills: [SkillLevelView]
    var openAlerts: Int
    var lastAssessedAt: String
    /// When they were hired (the HR system's hire event of their current employment), if known.
    var hiredAt: String?
    /// When they left the restaurant (the HR system's departure), if they did.
    var leftAt: String?
}

/// Which staff a listing shows: those who work there now (the default), those who left, or both.
enum EmploymentFilter: String, CaseIterable, Sendable {
    case current, departed, all
}

/// One staff member's page: the profile, their gaps (open first) and their training.
struct StaffDetailView: JSONBody {
    var staff: StaffView
    var alerts: [AlertView]
    var recommendations: [RecommendationView]
}

/// A skill's score on one day (the day's first assessment).
struct SkillPointView: JSONObject {
    var skill: String
    var day: String
    var assessedAt: String
    var skillScore: Double
    var gapProbability: Double
    var tables: Int
}

/// A staff member's skills over time, with the benchmark each is held to now.
struct SkillHistoryView: JSONBody {
    var restaurantID: String
    var staffID: String
    var benchmarks: [SkillBenchmarkView]
    var points: [SkillPointView]
}

/// The benchmark of one skill.
struct SkillBenchmarkView: JSONObject {
    var skill: String
    var benchmark: Double
}

/// What a feature of the staff member's service measured, against the restaurant's benchmark.
struct FeatureEvidenceView: JSONObject, Decodable {
    var value: Double
    var benchmark: Double
}

/// The evidence behind an alert: in words, in the response's language, and as figures.
struct EvidenceView: JSONObject {
    var text: String
    var features: [String: FeatureEvidenceView]
}

/// A skill-gap alert in its latest state.
struct AlertView: JSONBody {
    var alertID: String
    var restaurantID: String
    var staffID: String
    var skill: String
    var status: String
    /// 0–1: how far and how surely the skill falls short.
    var severity: Double
    var skillScore: Double
    var benchmark: Double
    var evidence: EvidenceView
    /// The model that scored it.
    var model: String
    var openedAt: String
    var updatedAt: String
    var resolvedAt: String?
    /// Versions published (opened, severity updates, resolved).
    var versions: Int
}

/// A training recommended for a gap, and what people did with it.
struct RecommendationView: JSONBody {
    var recommendationID: String
    var alertID: String
    var restaurantID: String
    var staffID: String
    var skill: String
    var programID: String
    var programTitle: String
    var rank: Int
    /// Skill-score points the program is expected to add (measured, shrunk towards 0).
    var expectedImprovement: Double
    /// 0 without measurements, towards 1 as they accumulate.
    var confidence: Double
    var recommendedAt: String
    /// proposed, assigned, declined or done.
    var status: String
    var statusChangedBy: String?
    var statusChangedAt: String?
    /// When a later round of recommendations for the same alert came (a training completed for
    /// it left the gap open); nil while this round is the latest. Status is left to people.
    var supersededAt: String?
}

/// What a program measurably did to one skill, pooled over all partitions.
struct ProgramEffectView: JSONObject {
    var skill: String
    /// Completed trainings measured against untrained peers with the same gap.
    var observations: Int
    /// Posterior mean change in skill score, points (shrunk towards 0 with little evidence).
    var meanEffect: Double
    var confidence: Double
}

/// A training program of the catalog with its measured effectiveness.
struct ProgramView: JSONBody {
    var programID: String
    var title: String
    var titleEs: String
    var titleEn: String
    var skills: [String]
    var roles: [String]
    var durationHours: Double
    var format: String
    var effectiveness: [ProgramEffectView]
}

/// One model's prequential record on a restaurant's guest dissatisfaction.
struct ModelScoreView: JSONObject {
    var model: String
    /// Whether this model scores the restaurant's staff now.
    var driving: Bool
    var examples: Int
    var logLoss: Double
    var rocAuc: Double
    var f1: Double
    var driftsDetected: Int
    var updatedAt: String
}

/// The models' quality on a restaurant.
struct ModelQualityView: JSONBody {
    var restaurantID: String
    var models: [ModelScoreView]
}

/// One input partition's counts and last checkpoint.
struct PartitionIngestionView: JSONObject {
    var partition: Int
    var consumed: Int
    var processed: Int
    var duplicates: Int
    var deadLettered: Int
    var lastCheckpointAt: String?
}

/// How far the processor's group is behind on one input topic partition.
struct PartitionLagView: JSONObject {
    var topic: String
    var partition: Int
    /// The next offset the group will process (its checkpoint).
    var committedOffset: Int
    /// The partition's end as the processor last fetched it (absent before its first fetch).
    var highWatermark: Int?
    var lag: Int?
    /// When the processor saw that high watermark: an old time means the figure is stale.
    var observedAt: String?
}

/// Ingestion health: events by outcome, dead letters by reason, and lag.
struct IngestionView: JSONBody {
    var consumerGroup: String
    var consumed: Int
    var processed: Int
    var duplicates: Int
    var deadLettered: Int
    /// consumed = processed + duplicates + dead lettered.
    var balanced: Bool
    /// The other counters (late, imputed, labels joined, …) by name.
    var counters: [String: Int]
    var deadLettersByReason: [String: Int]
    var partitions: [PartitionIngestionView]
    /// Lag per input partition, as of the processor's last checkpoint of it.
    var lag: [PartitionLagView]
    var totalLag: Int
    /// Records processed per second over the last minute, as this API replica sampled the
    /// counters (absent until it has two readings).
    var processedPerSecond: Double?
}

/// The body of a recommendation's status change.
struct StatusChangeRequest: Decodable, Sendable {
    /// assigned, declined or done.
    var status: String
    /// Why, for the audit trail (at most 500 characters).
    var note: String?
}
