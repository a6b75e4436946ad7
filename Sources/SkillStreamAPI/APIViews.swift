import Hummingbird

// What the API answers with (Schemas/openapi.yaml describes each as a schema of the same name).
// Times are RFC 3339 in UTC; scores are on the skill scale of 0–100 the processor uses.

/// A restaurant with its standards and how many staff and open gaps it has now.
public struct RestaurantView: Codable, Sendable, ResponseEncodable {
    public var restaurantID: String
    public var name: String
    public var city: String
    public var timezone: String
    public var serviceQualityBenchmark: Double
    public var targetWaitTimeSeconds: Double
    public var fineDiningAccreditation: Bool
    public var staffCount: Int
    public var openAlerts: Int
}

/// A staff member's latest assessment of one skill against the restaurant's benchmark.
public struct SkillLevelView: Codable, Sendable {
    public var skill: String
    public var skillScore: Double
    public var benchmark: Double
    public var belowBenchmark: Bool
    /// How sure the gap tests are that the skill falls short (0–1).
    public var gapProbability: Double
    /// Table visits behind the assessment.
    public var tables: Int
    public var assessedAt: String
    public var openAlert: Bool
}

/// A staff member and their current skill profile.
public struct StaffView: Codable, Sendable, ResponseEncodable {
    public var restaurantID: String
    public var staffID: String
    public var role: String?
    public var skills: [SkillLevelView]
    public var openAlerts: Int
    public var lastAssessedAt: String
}

/// One staff member's page: the profile, their gaps (open first) and their training.
public struct StaffDetailView: Codable, Sendable, ResponseEncodable {
    public var staff: StaffView
    public var alerts: [AlertView]
    public var recommendations: [RecommendationView]
}

/// A skill's score on one day (the day's first assessment).
public struct SkillPointView: Codable, Sendable {
    public var skill: String
    public var day: String
    public var assessedAt: String
    public var skillScore: Double
    public var gapProbability: Double
    public var tables: Int
}

/// A staff member's skills over time, with the benchmark each is held to now.
public struct SkillHistoryView: Codable, Sendable, ResponseEncodable {
    public var restaurantID: String
    public var staffID: String
    public var benchmarks: [SkillBenchmarkView]
    public var points: [SkillPointView]
}

/// The benchmark of one skill.
public struct SkillBenchmarkView: Codable, Sendable {
    public var skill: String
    public var benchmark: Double
}

/// What a feature of the staff member's service measured, against the restaurant's benchmark.
public struct FeatureEvidenceView: Codable, Sendable {
    public var value: Double
    public var benchmark: Double
}

/// The evidence behind an alert: in words, in the response's language, and as figures.
public struct EvidenceView: Codable, Sendable {
    public var text: String
    public var features: [String: FeatureEvidenceView]
}

/// A skill-gap alert in its latest state.
public struct AlertView: Codable, Sendable, ResponseEncodable {
    public var alertID: String
    public var restaurantID: String
    public var staffID: String
    public var skill: String
    public var status: String
    /// 0–1: how far and how surely the skill falls short.
    public var severity: Double
    public var skillScore: Double
    public var benchmark: Double
    public var evidence: EvidenceView
    /// The model that scored it.
    public var model: String
    public var openedAt: String
    public var updatedAt: String
    public var resolvedAt: String?
    /// Versions published (opened, severity updates, resolved).
    public var versions: Int
}

/// A training recommended for a gap, and what people did with it.
public struct RecommendationView: Codable, Sendable, ResponseEncodable {
    public var recommendationID: String
    public var alertID: String
    public var restaurantID: String
    public var staffID: String
    public var skill: String
    public var programID: String
    public var programTitle: String
    public var rank: Int
    /// Skill-score points the program is expected to add (measured, shrunk towards 0).
    public var expectedImprovement: Double
    /// 0 without measurements, towards 1 as they accumulate.
    public var confidence: Double
    public var recommendedAt: String
    /// proposed, assigned, declined or done.
    public var status: String
    public var statusChangedBy: String?
    public var statusChangedAt: String?
}

/// What a program measurably did to one skill, pooled over all partitions.
public struct ProgramEffectView: Codable, Sendable {
    public var skill: String
    /// Completed trainings measured against untrained peers with the same gap.
    public var observations: Int
    /// Posterior mean change in skill score, points (shrunk towards 0 with little evidence).
    public var meanEffect: Double
    public var confidence: Double
}

/// A training program of the catalog with its measured effectiveness.
public struct ProgramView: Codable, Sendable, ResponseEncodable {
    public var programID: String
    public var title: String
    public var titleEs: String
    public var titleEn: String
    public var skills: [String]
    public var roles: [String]
    public var durationHours: Double
    public var format: String
    public var effectiveness: [ProgramEffectView]
}

/// One model's prequential record on a restaurant's guest dissatisfaction.
public struct ModelScoreView: Codable, Sendable {
    public var model: String
    /// Whether this model scores the restaurant's staff now.
    public var driving: Bool
    public var examples: Int
    public var logLoss: Double
    public var rocAuc: Double
    public var f1: Double
    public var driftsDetected: Int
    public var updatedAt: String
}

/// The models' quality on a restaurant.
public struct ModelQualityView: Codable, Sendable, ResponseEncodable {
    public var restaurantID: String
    public var models: [ModelScoreView]
}

/// One input partition's counts and last checkpoint.
public struct PartitionIngestionView: Codable, Sendable {
    public var partition: Int
    public var consumed: Int
    public var processed: Int
    public var duplicates: Int
    public var deadLettered: Int
    public var lastCheckpointAt: String?
}

/// How far the processor's group is behind on one input topic partition.
public struct PartitionLagView: Codable, Sendable {
    public var topic: String
    public var partition: Int
    /// The next offset the group will process (its checkpoint).
    public var committedOffset: Int
    /// The partition's end as the processor last fetched it (absent before its first fetch).
    public var highWatermark: Int?
    public var lag: Int?
    /// When the processor saw that high watermark: an old time means the figure is stale.
    public var observedAt: String?
}

/// Ingestion health: events by outcome, dead letters by reason, and lag.
public struct IngestionView: Codable, Sendable, ResponseEncodable {
    public var consumerGroup: String
    public var consumed: Int
    public var processed: Int
    public var duplicates: Int
    public var deadLettered: Int
    /// consumed = processed + duplicates + dead lettered.
    public var balanced: Bool
    /// The other counters (late, imputed, labels joined, …) by name.
    public var counters: [String: Int]
    public var deadLettersByReason: [String: Int]
    public var partitions: [PartitionIngestionView]
    /// Lag per input partition, as of the processor's last checkpoint of it.
    public var lag: [PartitionLagView]
    public var totalLag: Int
    /// Records processed per second over the last minute, as this API replica sampled the
    /// counters (absent until it has two readings).
    public var processedPerSecond: Double?
}

/// The body of a recommendation's status change.
public struct StatusChangeRequest: Codable, Sendable {
    /// assigned, declined or done.
    public var status: String
    /// Why, for the audit trail (at most 500 characters).
    public var note: String?
}
