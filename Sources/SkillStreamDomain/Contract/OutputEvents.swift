/// `skills.gap_alert.v1`: a staff member falls short on a skill (or no longer does). Published
/// when the gap opens, when its severity moves, and when it resolves; the id stays the same
/// throughout, and is derived from the events, so a replay gives the same ids.
public struct GapAlert: Sendable, Hashable {
    /// Whether the gap is still there.
    public enum Status: String, Sendable, Hashable, Codable {
        case open, resolved
    }

    /// One figure behind the alert and what it is compared with.
    public struct Feature: Sendable, Hashable {
        public var name: String
        public var value: Double
        public var benchmark: Double

        public init(name: String, value: Double, benchmark: Double) {
            self.name = name
            self.value = value
            self.benchmark = benchmark
        }
    }

    public var alertID: String
    public var status: Status
    public var staffID: String
    public var restaurantID: String
    public var skill: Skill
    /// 0–1.
    public var severity: Double
    public var skillScore: Double
    public var benchmark: Double
    /// Sorted by name.
    public var features: [Feature]
    public var textES: String
    public var textEN: String
    /// What decided: the test or model and its version.
    public var model: String
    /// Event time of the decision.
    public var detectedAt: EventTime

    public init(
        alertID: String, status: Status, staffID: String, restaurantID: String, skill: Skill, severity: Double, skillScore: Double,
        benchmark: Double, features: [Feature], textES: String, textEN: String, model: String, detectedAt: EventTime
    ) {
        self.alertID = alertID
        self.status = status
        self.staffID = staffID
        self.restaurantID = restaurantID
        self.skill = skill
        self.severity = severity
        self.skillScore = skillScore
        self.benchmark = benchmark
        self.features = features.sorted { $0.name < $1.name }
        self.textES = textES
        self.textEN = textEN
        self.model = model
        self.detectedAt = detectedAt
    }

    /// The JSON the contract specifies (Schemas/events/skills.gap_alert.v1.schema.json).
    public func encoded() -> [UInt8] {
        var json = JSONWriter()
        json.string("schema", "skills.gap_alert.v1")
        json.string("alert_id", alertID)
        json.string("status", status.rawValue)
        json.string("staff_id", staffID)
        json.string("restaurant_id", restaurantID)
        json.string("skill", skill.rawValue)
        json.number("severity", severity)
        json.number("skill_score", skillScore)
        json.number("benchmark", benchmark)
        json.object("evidence") { evidence in
            evidence.object("features") { object in
                for feature in features {
                    object.object(dynamicName: feature.name) { pair in
                        pair.number("value", feature.value)
                        pair.number("benchmark", feature.benchmark)
                    }
                }
            }
            evidence.string("text_es", textES)
            evidence.string("text_en", textEN)
        }
        json.string("model", model)
        json.time("detected_at", detectedAt)
        return json.finish()
    }
}

/// `skills.training_recommendation.v1`: a program proposed to close an open gap, ranked among
/// the few proposed for it.
public struct TrainingRecommendation: Sendable, Hashable {
    public var recommendationID: String
    public var alertID: String
    public var staffID: String
    public var restaurantID: String
    public var skill: Skill
    public var programID: String
    /// 1 = the first choice.
    public var rank: Int
    /// Expected rise of the skill (on the alert's skill-score scale) after the program.
    public var expectedImprovement: Double
    /// 0–1: how sure the estimate is (little evidence about the program = low).
    public var confidence: Double
    /// Event time of the recommendation: the alert's opening, or the follow-up of a training that
    /// left the gap open (a later round for the same alert).
    public var recommendedAt: EventTime

    public init(
        recommendationID: String, alertID: String, staffID: String, restaurantID: String, skill: Skill, programID: String, rank: Int,
        expectedImprovement: Double, confidence: Double, recommendedAt: EventTime
    ) {
        self.recommendationID = recommendationID
        self.alertID = alertID
        self.staffID = staffID
        self.restaurantID = restaurantID
        self.skill = skill
        self.programID = programID
        self.rank = rank
        self.expectedImprovement = expectedImprovement
        self.confidence = confidence
        self.recommendedAt = recommendedAt
    }

    /// The JSON the contract specifies (Schemas/events/skills.training_recommendation.v1.schema.json).
    public func encoded() -> [UInt8] {
        var json = JSONWriter()
        json.string("schema", "skills.training_recommendation.v1")
        json.string("recommendation_id", recommendationID)
        json.string("alert_id", alertID)
        json.string("staff_id", staffID)
        json.string("restaurant_id", restaurantID)
        json.string("skill", skill.rawValue)
        json.string("program_id", programID)
        json.number("rank", Double(rank))
        json.number("expected_improvement", expectedImprovement)
        json.number("confidence", confidence)
        json.time("recommended_at", recommendedAt)
        return json.finish()
    }
}
