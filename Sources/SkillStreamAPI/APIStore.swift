import Foundation
import SkillStreamAccess
import SkillStreamDomain
import SkillStreamOutbox
import SkillStreamPostgres
import SkillStreamScoring

/// The API's reads and writes in PostgreSQL: the tables `skillstream process` keeps (see
/// Schemas/postgres), queried with bound parameters only, and the status changes of
/// recommendations with their audit trail and outbox event in one transaction.
public struct APIStore: Sendable {
    public let client: PostgresClient
    /// The processor's consumer group: whose counters, checkpoints and measurements are read.
    public let group: String

    public init(client: PostgresClient, group: String) {
        self.client = client
        self.group = group
    }

    // MARK: - Restaurants

    static let restaurantColumns = """
        r.restaurant_id, r.name, r.city, r.timezone, r.service_quality_benchmark, r.target_wait_time_seconds, r.fine_dining_accreditation,
        (SELECT count(DISTINCT s.staff_id) FROM staff_skills s WHERE s.restaurant_id = r.restaurant_id
            AND NOT EXISTS (SELECT 1 FROM staff_employment e WHERE e.restaurant_id = s.restaurant_id AND e.staff_id = s.staff_id
                            AND e.left_at IS NOT NULL))::int AS staff_count,
        (SELECT count(*) FROM gap_alerts a WHERE a.restaurant_id = r.restaurant_id AND a.status = 'open')::int AS open_alerts
        """

    /// Restaurants by id, those in `visible` only (nil: all), after the cursor's id.
    func restaurants(visible: Set<String>?, paging: Paging) async throws -> Page<RestaurantView> {
        let visibleList: PostgresValue = visible.map { .text(SQL.array($0.sorted())) } ?? .null
        let rows = try await client.withConnection { connection in
            try connection.query(
                """
                SELECT \(Self.restaurantColumns) FROM restaurants r
                WHERE ($1::text[] IS NULL OR r.restaurant_id = ANY($1::text[])) AND ($2::text IS NULL OR r.restaurant_id > $2)
                ORDER BY r.restaurant_id LIMIT $3
                """, [visibleList, paging.after?[0], paging.fetchLimit])
        }
        return try paging.page(Array(rows), listing: "restaurants", key: { [$0["restaurant_id"] ?? ""] }, item: Self.restaurant)
    }

    func restaurant(_ id: String) async throws -> RestaurantView? {
        let rows = try await client.withConnection { connection in
            try connection.query("SELECT \(Self.restaurantColumns) FROM restaurants r WHERE r.restaurant_id = $1", [id])
        }
        return try rows.first.map(Self.restaurant)
    }

    static func restaurant(_ row: PostgresRow) throws -> RestaurantView {
        RestaurantView(
            restaurantID: try row.decode(String.self, column: "restaurant_id"), name: try row.decode(String.self, column: "name"),
            city: try row.decode(String.self, column: "city"), timezone: try row.decode(String.self, column: "timezone"),
            serviceQualityBenchmark: try row.decode(Double.self, column: "service_quality_benchmark"),
            targetWaitTimeSeconds: try row.decode(Double.self, column: "target_wait_time_seconds"),
            fineDiningAccreditation: try row.decode(Bool.self, column: "fine_dining_accreditation"),
            staffCount: try row.decode(Int.self, column: "staff_count"), openAlerts: try row.decode(Int.self, column: "open_alerts"))
    }

    // MARK: - Staff

    /// Staff of a restaurant by id with their skill profile, those `employment` selects (someone
    /// with no HR event is taken as current); one staff member with `staffID`, whether or not
    /// they left.
    func staff(
        restaurant: String, staffID: String? = nil, role: Role? = nil, employment: EmploymentFilter = .current, paging: Paging
    ) async throws -> Page<StaffView> {
        let (people, skills) = try await client.withConnection { connection in
            let people = try connection.query(
                """
                SELECT s.staff_id, coalesce(e.role, (array_agg(s.role ORDER BY s.assessed_at DESC) FILTER (WHERE s.role IS NOT NULL))[1]) AS role,
                       (SELECT count(*) FROM gap_alerts a WHERE a.restaurant_id = $1 AND a.staff_id = s.staff_id AND a.status = 'open')::int AS open_alerts,
                       \(SQL.iso("max(s.assessed_at)")) AS last_assessed_at, \(SQL.iso("e.hired_at")) AS hired_at, \(SQL.iso("e.left_at")) AS left_at
                FROM staff_skills s LEFT JOIN staff_employment e ON e.restaurant_id = s.restaurant_id AND e.staff_id = s.staff_id
                WHERE s.restaurant_id = $1 AND ($2::text IS NULL OR s.staff_id > $2) AND ($3::text IS NULL OR s.staff_id = $3)
                  AND ($6::text = 'all' OR ($6::text = 'departed') = (e.left_at IS NOT NULL))
                GROUP BY s.staff_id, e.role, e.hired_at, e.left_at
                HAVING $4::text IS NULL
                    OR coalesce(e.role, (array_agg(s.role ORDER BY s.assessed_at DESC) FILTER (WHERE s.role IS NOT NULL))[1]) = $4
                ORDER BY s.staff_id LIMIT $5
                """, [restaurant, paging.after?[0], staffID, role?.rawValue, paging.fetchLimit, (staffID == nil ? employment : .all).rawValue])
            let ids = try people.map { try $0.decode(String.self, column: "staff_id") }
            let skills = try connection.query(
                """
                SELECT s.staff_id, s.skill, round(s.skill_score::numeric, 2)::float8 AS skill_score, s.benchmark, s.skill_score < s.benchmark AS below,
                       round(s.gap_probability::numeric, 4)::float8 AS gap_probability, s.tables, \(SQL.iso("s.assessed_at")) AS assessed_at,
                       EXISTS (SELECT 1 FROM gap_alerts a WHERE a.restaurant_id = s.restaurant_id AND a.staff_id = s.staff_id AND a.skill = s.skill
                               AND a.status = 'open') AS open_alert
                FROM staff_skills s WHERE s.restaurant_id = $1 AND s.staff_id = ANY($2::text[]) ORDER BY s.staff_id, s.skill
                """, [restaurant, SQL.array(ids)])
            return (people, skills)
        }
        var levels: [String: [SkillLevelView]] = [:]
        for row in skills {
            levels[try row.decode(String.self, column: "staff_id"), default: []].append(
                SkillLevelView(
                    skill: try row.decode(String.self, column: "skill"), skillScore: try row.decode(Double.self, column: "skill_score"),
                    benchmark: try row.decode(Double.self, column: "benchmark"), belowBenchmark: try row.decode(Bool.self, column: "below"),
                    gapProbability: try row.decode(Double.self, column: "gap_probability"), tables: try row.decode(Int.self, column: "tables"),
                    assessedAt: try row.decode(String.self, column: "assessed_at"), openAlert: try row.decode(Bool.self, column: "open_alert")))
        }
        return try paging.page(Array(people), listing: "staff", key: { [$0["staff_id"] ?? ""] }) { row in
            let id = try row.decode(String.self, column: "staff_id")
            return StaffView(
                restaurantID: restaurant, staffID: id, role: try row.decode(String?.self, column: "role"), skills: levels[id] ?? [],
                openAlerts: try row.decode(Int.self, column: "open_alerts"), lastAssessedAt: try row.decode(String.self, column: "last_assessed_at"),
                hiredAt: try row.decode(String?.self, column: "hired_at"), leftAt: try row.decode(String?.self, column: "left_at"))
        }
    }

    /// One staff member's page: the profile, their gaps (open first, then the most recent) and
    /// their training; nil when they have no assessment in the restaurant.
    func staffPage(restaurant: String, staffID: String, language: Language) async throws -> StaffDetailView? {
        guard let profile = try await staff(restaurant: restaurant, staffID: staffID, paging: Paging(limit: 1)).items.first else { return nil }
        let alerts = try await alerts(restaurant: restaurant, filter: .init(staffID: staffID), language: language, paging: Paging(limit: 100)).items
        let recommendations = try await recommendations(restaurant: restaurant, filter: .init(staffID: staffID), language: language, paging: Paging(limit: 100))
        return StaffDetailView(
            staff: profile, alerts: alerts.filter { $0.status == "open" } + alerts.filter { $0.status != "open" }, recommendations: recommendations.items)
    }

    /// One skill history point per day and skill, oldest first, within [from, to).
    func skillHistory(restaurant: String, staffID: String, skill: Skill?, from: String?, to: String?) async throws -> SkillHistoryView? {
        let (points, benchmarks) = try await client.withConnection { connection in
            let benchmarks = try connection.query(
                "SELECT skill, benchmark FROM staff_skills WHERE restaurant_id = $1 AND staff_id = $2 ORDER BY skill", [restaurant, staffID])
            let points = try connection.query(
                """
                SELECT skill, to_char(\(SQL.localTime("assessed_at", restaurant: "$1")), 'YYYY-MM-DD') AS day,
                       \(SQL.iso("assessed_at")) AS assessed_at, round(skill_score::numeric, 2)::float8 AS skill_score,
                       round(gap_probability::numeric, 4)::float8 AS gap_probability, tables
                FROM staff_skill_history
                WHERE restaurant_id = $1 AND staff_id = $2 AND ($3::text IS NULL OR skill = $3)
                  AND ($4::timestamptz IS NULL OR assessed_at >= $4::timestamptz) AND ($5::timestamptz IS NULL OR assessed_at < $5::timestamptz)
                ORDER BY skill, assessed_at
                LIMIT 20000
                """, [restaurant, staffID, skill?.rawValue, from, to])
            return (points, benchmarks)
        }
        guard !benchmarks.isEmpty else { return nil }
        return SkillHistoryView(
            restaurantID: restaurant, staffID: staffID,
            benchmarks: try benchmarks.map { SkillBenchmarkView(skill: try $0.decode(String.self, column: "skill"), benchmark: try $0.decode(Double.self, column: "benchmark")) },
            points: try points.map { row in
                SkillPointView(
                    skill: try row.decode(String.self, column: "skill"), day: try row.decode(String.self, column: "day"),
                    assessedAt: try row.decode(String.self, column: "assessed_at"), skillScore: try row.decode(Double.self, column: "skill_score"),
                    gapProbability: try row.decode(Double.self, column: "gap_probability"), tables: try row.decode(Int.self, column: "tables"))
            })
    }

    // MARK: - Alerts

    /// The filters of the alert listing.
    struct AlertFilter: Sendable {
        var status: String?
        var skill: Skill?
        var staffID: String?
        var minimumSeverity: Double?
        var openedFrom: String?
        var openedBefore: String?
        var alertID: String?
    }

    /// Alerts of a restaurant, newest opened first (ties by id).
    func alerts(restaurant: String, filter: AlertFilter, language: Language, paging: Paging) async throws -> Page<AlertView> {
        let rows = try await client.withConnection { connection in
            try connection.query(
                """
                SELECT alert_id, restaurant_id, staff_id, skill, status, severity, skill_score, benchmark,
                       coalesce(alert->'evidence'->'features', '{}')::text AS features, text_es, text_en, model,
                       \(SQL.iso("opened_at")) AS opened_at, \(SQL.isoMicro("opened_at")) AS opened_key, \(SQL.iso("updated_at")) AS updated_at,
                       \(SQL.iso("resolved_at")) AS resolved_at, versions
                FROM gap_alerts
                WHERE restaurant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR skill = $3)
                  AND ($4::text IS NULL OR staff_id = $4) AND ($5::float8 IS NULL OR severity >= $5)
                  AND ($6::timestamptz IS NULL OR opened_at >= $6::timestamptz) AND ($7::timestamptz IS NULL OR opened_at < $7::timestamptz)
                  AND ($8::text IS NULL OR alert_id = $8)
                  AND ($9::timestamptz IS NULL OR (opened_at, alert_id) < ($9::timestamptz, $10::text))
                ORDER BY opened_at DESC, alert_id DESC LIMIT $11
                """,
                [
                    restaurant, filter.status, filter.skill?.rawValue, filter.staffID, filter.minimumSeverity, filter.openedFrom, filter.openedBefore,
                    filter.alertID, paging.after?[0], paging.after?[1], paging.fetchLimit,
                ])
        }
        let decoder = APIJSON.decoder()
        return try paging.page(Array(rows), listing: "alerts", key: { [$0["opened_key"] ?? "", $0["alert_id"] ?? ""] }) { row in
            AlertView(
                alertID: try row.decode(String.self, column: "alert_id"), restaurantID: try row.decode(String.self, column: "restaurant_id"),
                staffID: try row.decode(String.self, column: "staff_id"), skill: try row.decode(String.self, column: "skill"),
                status: try row.decode(String.self, column: "status"), severity: try row.decode(Double.self, column: "severity"),
                skillScore: try row.decode(Double.self, column: "skill_score"), benchmark: try row.decode(Double.self, column: "benchmark"),
                evidence: EvidenceView(
                    text: try row.decode(String.self, column: language == .es ? "text_es" : "text_en"),
                    features: try decoder.decode([String: FeatureEvidenceView].self, from: Data(try row.decode(String.self, column: "features").utf8))),
                model: try row.decode(String.self, column: "model"), openedAt: try row.decode(String.self, column: "opened_at"),
                updatedAt: try row.decode(String.self, column: "updated_at"), resolvedAt: try row.decode(String?.self, column: "resolved_at"),
                versions: try row.decode(Int.self, column: "versions"))
        }
    }

    // MARK: - Recommendations

    /// The filters of the recommendation listing.
    struct RecommendationFilter: Sendable {
        var status: String?
        var staffID: String?
        var skill: Skill?
        var alertID: String?
    }

    /// Recommendations of a restaurant, newest first (ties by id).
    func recommendations(restaurant: String, filter: RecommendationFilter, language: Language, paging: Paging) async throws -> Page<RecommendationView> {
        let rows = try await client.withConnection { connection in
            try connection.query(
                """
                SELECT \(Self.recommendationColumns), \(SQL.isoMicro("t.recommended_at")) AS recommended_key
                FROM training_recommendations t LEFT JOIN training_programs p USING (program_id)
                WHERE t.restaurant_id = $1 AND ($2::text IS NULL OR t.status = $2) AND ($3::text IS NULL OR t.staff_id = $3)
                  AND ($4::text IS NULL OR t.skill = $4) AND ($5::text IS NULL OR t.alert_id = $5)
                  AND ($6::timestamptz IS NULL OR (t.recommended_at, t.recommendation_id) < ($6::timestamptz, $7::text))
                ORDER BY t.recommended_at DESC, t.recommendation_id DESC LIMIT $8
                """,
                [
                    restaurant, filter.status, filter.staffID, filter.skill?.rawValue, filter.alertID, paging.after?[0], paging.after?[1],
                    paging.fetchLimit,
                ])
        }
        return try paging.page(Array(rows), listing: "recommendations", key: { [$0["recommended_key"] ?? "", $0["recommendation_id"] ?? ""] }) {
            try Self.recommendation($0, language)
        }
    }

    static let recommendationColumns = """
        t.recommendation_id, t.alert_id, t.restaurant_id, t.staff_id, t.skill, t.program_id,
        coalesce(p.title_es, t.program_id) AS title_es, coalesce(p.title_en, t.program_id) AS title_en, t.rank, t.expected_improvement,
        t.confidence, \(SQL.iso("t.recommended_at")) AS recommended_at, t.status, t.status_changed_by, \(SQL.iso("t.status_changed_at")) AS status_changed_at,
        \(SQL.iso("(SELECT min(later.recommended_at) FROM training_recommendations later WHERE later.alert_id = t.alert_id AND later.recommended_at > t.recommended_at)")) AS superseded_at
        """

    static func recommendation(_ row: PostgresRow, _ language: Language) throws -> RecommendationView {
        RecommendationView(
            recommendationID: try row.decode(String.self, column: "recommendation_id"), alertID: try row.decode(String.self, column: "alert_id"),
            restaurantID: try row.decode(String.self, column: "restaurant_id"), staffID: try row.decode(String.self, column: "staff_id"),
            skill: try row.decode(String.self, column: "skill"), programID: try row.decode(String.self, column: "program_id"),
            programTitle: try row.decode(String.self, column: language == .es ? "title_es" : "title_en"), rank: try row.decode(Int.self, column: "rank"),
            expectedImprovement: try row.decode(Double.self, column: "expected_improvement"), confidence: try row.decode(Double.self, column: "confidence"),
            recommendedAt: try row.decode(String.self, column: "recommended_at"), status: try row.decode(String.self, column: "status"),
            statusChangedBy: try row.decode(String?.self, column: "status_changed_by"), statusChangedAt: try row.decode(String?.self, column: "status_changed_at"),
            supersededAt: try row.decode(String?.self, column: "superseded_at"))
    }

    /// The statuses a recommendation may move to from each status. Moving to the status it has
    /// already is answered with its current state (a retried request changes nothing).
    static let transitions: [String: Set<String>] = ["proposed": ["assigned", "declined"], "assigned": ["done", "declined"]]

    /// What a status change did: the recommendation after it, and whether it changed.
    struct StatusChange: Sendable {
        var recommendation: RecommendationView
        var changed: Bool
    }

    /// Moves a recommendation to `status` for `principal`, recording who did it; an assignment
    /// writes its training_enrolled event (`enrolment`) to the outbox in the same transaction.
    func changeStatus(
        restaurant: String, recommendationID: String, to status: String, note: String?, by principal: Principal, language: Language,
        enrolment: @escaping @Sendable (_ staffID: String, _ programID: String, _ timezone: String?) -> OutboxRecord
    ) async throws -> StatusChange {
        let group = self.group
        return try await client.withTransaction { connection in
            let select = """
                SELECT \(Self.recommendationColumns), r.timezone
                FROM training_recommendations t LEFT JOIN training_programs p USING (program_id) LEFT JOIN restaurants r ON r.restaurant_id = t.restaurant_id
                WHERE t.recommendation_id = $1 AND t.restaurant_id = $2
                """
            guard let current = try connection.query(select + " FOR UPDATE OF t", [recommendationID, restaurant]).first else {
                throw Problem.notFound(es: "No existe esa recomendación en este restaurante.", en: "No such recommendation in this restaurant.")
            }
            let from = try current.decode(String.self, column: "status")
            if from == status { return StatusChange(recommendation: try Self.recommendation(current, language), changed: false) }
            guard Self.transitions[from]?.contains(status) == true else {
                throw Problem(
                    .conflict, es: "Una recomendación en estado \(from) no puede pasar a \(status).",
                    en: "A recommendation that is \(from) cannot become \(status).", code: "invalid_transition")
            }
            var eventID: String?
            if status == "assigned" {
                let staffID = try current.decode(String.self, column: "staff_id")
                // Nobody can train someone who has left: the enrolment would reach HR for them.
                // Declining, or marking done what was assigned before, stays possible.
                let departed = try connection.query(
                    "SELECT 1 FROM staff_employment WHERE restaurant_id = $1 AND staff_id = $2 AND left_at IS NOT NULL", [restaurant, staffID])
                guard departed.isEmpty else {
                    throw Problem(
                        .conflict, es: "\(staffID) ya no trabaja en este restaurante: no se le puede asignar una capacitación.",
                        en: "\(staffID) no longer works at this restaurant: no training can be assigned to them.", code: "staff_departed")
                }
                let record = enrolment(
                    staffID, try current.decode(String.self, column: "program_id"), try current.decode(String?.self, column: "timezone"))
                try Outbox.write([record], group: group, partition: Outbox.apiPartition, on: connection)
                eventID = Self.enrolmentEventID(recommendationID)
            }
            _ = try connection.query(
                "UPDATE training_recommendations SET status = $2, status_changed_by = $3, status_changed_at = now() WHERE recommendation_id = $1",
                [recommendationID, status, principal.subject])
            _ = try connection.query(
                """
                INSERT INTO recommendation_status_changes (recommendation_id, from_status, to_status, changed_by, changed_by_role, note, published_event_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [recommendationID, from, status, principal.subject, principal.role.rawValue, note, eventID])
            let updated = try connection.query(select, [recommendationID, restaurant])[0]
            return StatusChange(recommendation: try Self.recommendation(updated, language), changed: true)
        }
    }

    /// The event id of a recommendation's enrolment: the same for every retry, so the processor
    /// counts a republished one as a duplicate.
    static func enrolmentEventID(_ recommendationID: String) -> String { "enrol-" + recommendationID }

    // MARK: - Programs

    /// The catalog with each program's effect per skill, pooled over the processor's partitions.
    func programs(skill: Skill?, role: Role?, language: Language, paging: Paging) async throws -> Page<ProgramView> {
        let rows = try await client.withConnection { connection in
            try connection.query(
                """
                SELECT p.program_id, p.title_es, p.title_en, array_to_json(p.skills)::text AS skills, array_to_json(p.roles)::text AS roles,
                       p.duration_hours, p.format,
                       coalesce((SELECT json_agg(json_build_object('skill', e.skill, 'observations', e.observations, 'sum', e.effect_sum) ORDER BY e.skill)
                                 FROM (SELECT skill, sum(observations)::int AS observations, sum(effect_sum) AS effect_sum FROM program_effectiveness
                                       WHERE consumer_group = $1 AND program_id = p.program_id GROUP BY skill) e), '[]')::text AS effects
                FROM training_programs p
                WHERE ($2::text IS NULL OR $2 = ANY(p.skills)) AND ($3::text IS NULL OR $3 = ANY(p.roles)) AND ($4::text IS NULL OR p.program_id > $4)
                ORDER BY p.program_id LIMIT $5
                """, [group, skill?.rawValue, role?.rawValue, paging.after?[0], paging.fetchLimit])
        }
        struct Effect: Decodable { var skill: String; var observations: Int; var sum: Double }
        let decoder = APIJSON.decoder()
        return try paging.page(Array(rows), listing: "programs", key: { [$0["program_id"] ?? ""] }) { row in
            let effects = try decoder.decode([Effect].self, from: Data(try row.decode(String.self, column: "effects").utf8))
            let titleES = try row.decode(String.self, column: "title_es")
            let titleEN = try row.decode(String.self, column: "title_en")
            return ProgramView(
                programID: try row.decode(String.self, column: "program_id"), title: language.pick(es: titleES, en: titleEN), titleEs: titleES, titleEn: titleEN,
                skills: try decoder.decode([String].self, from: Data(try row.decode(String.self, column: "skills").utf8)),
                roles: try decoder.decode([String].self, from: Data(try row.decode(String.self, column: "roles").utf8)),
                durationHours: try row.decode(Double.self, column: "duration_hours"), format: try row.decode(String.self, column: "format"),
                effectiveness: effects.map { effect in
                    let estimate = ProgramEffectiveness.Estimate(observations: effect.observations, sum: effect.sum)
                    return ProgramEffectView(
                        skill: effect.skill, observations: effect.observations, meanEffect: SQL.rounded(estimate.mean), confidence: SQL.rounded(estimate.confidence))
                })
        }
    }

    // MARK: - Operations

    func modelQuality(restaurant: String) async throws -> ModelQualityView {
        try await modelQualities(visible: [restaurant]).first ?? ModelQualityView(restaurantID: restaurant, models: [])
    }

    /// The processor group's counters, checkpoints and lag (each input partition's checkpoint
    /// behind the high watermark the processor last fetched).
    func ingestion() async throws -> IngestionView {
        let group = self.group
        let (counters, checkpoints, times) = try await client.withConnection { connection in
            (
                try connection.query("SELECT partition, counter, value FROM processing_counters WHERE consumer_group = $1 ORDER BY 1, 2", [group]),
                try connection.query(
                    """
                    SELECT topic, partition, next_offset, high_watermark, \(SQL.iso("high_watermark_at")) AS observed_at
                    FROM partition_checkpoints WHERE consumer_group = $1 ORDER BY 1, 2
                    """, [group]),
                try connection.query("SELECT partition, \(SQL.iso("updated_at")) AS updated_at FROM engine_checkpoints WHERE consumer_group = $1", [group])
            )
        }
        var totals: [String: Int] = [:]
        var byPartition: [Int: [String: Int]] = [:]
        for row in counters {
            let name = try row.decode(String.self, column: "counter")
            let value = try row.decode(Int.self, column: "value")
            totals[name, default: 0] += value
            byPartition[try row.decode(Int.self, column: "partition"), default: [:]][name] = value
        }
        var checkpointTimes: [Int: String] = [:]
        for row in times { checkpointTimes[try row.decode(Int.self, column: "partition")] = try row.decode(String.self, column: "updated_at") }
        let lag = try checkpoints.map { row in
            let next = try row.decode(Int.self, column: "next_offset")
            let high = try row.decode(Int?.self, column: "high_watermark")
            return PartitionLagView(
                topic: try row.decode(String.self, column: "topic"), partition: try row.decode(Int.self, column: "partition"), committedOffset: next,
                highWatermark: high, lag: high.map { max(0, $0 - next) }, observedAt: try row.decode(String?.self, column: "observed_at"))
        }
        let main = ["consumed", "processed", "duplicates", "dead_lettered"]
        return IngestionView(
            consumerGroup: group, consumed: totals["consumed"] ?? 0, processed: totals["processed"] ?? 0, duplicates: totals["duplicates"] ?? 0,
            deadLettered: totals["dead_lettered"] ?? 0,
            balanced: (totals["consumed"] ?? 0) == (totals["processed"] ?? 0) + (totals["duplicates"] ?? 0) + (totals["dead_lettered"] ?? 0),
            counters: totals.filter { !main.contains($0.key) && !$0.key.hasPrefix("dead_lettered:") },
            deadLettersByReason: Dictionary(
                uniqueKeysWithValues: totals.filter { $0.key.hasPrefix("dead_lettered:") && $0.value > 0 }.map { (String($0.key.dropFirst("dead_lettered:".count)), $0.value) }),
            partitions: Set(byPartition.keys).union(checkpointTimes.keys).sorted().map { partition in
                let counts = byPartition[partition] ?? [:]
                return PartitionIngestionView(
                    partition: partition, consumed: counts["consumed"] ?? 0, processed: counts["processed"] ?? 0, duplicates: counts["duplicates"] ?? 0,
                    deadLettered: counts["dead_lettered"] ?? 0, lastCheckpointAt: checkpointTimes[partition])
            }, lag: lag, totalLag: lag.reduce(0) { $0 + ($1.lag ?? 0) }, processedPerSecond: nil)
    }

    /// Whether PostgreSQL answers (for /readyz).
    func reachable() async -> Bool {
        (try? await client.withConnection { connection in try connection.query("SELECT 1").count }) == 1
    }
}

/// SQL fragments shared by the queries.
enum SQL {
    /// A timestamptz column in the restaurant's own time zone (the restaurant id bound at
    /// `restaurant`, e.g. `$1`), UTC for a restaurant not known yet.
    static func localTime(_ column: String, restaurant: String) -> String {
        "\(column) AT TIME ZONE coalesce((SELECT timezone FROM restaurants WHERE restaurant_id = \(restaurant)), 'UTC')"
    }

    /// A timestamptz column as RFC 3339 in UTC to the second.
    static func iso(_ column: String) -> String { "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" }
    /// To the microsecond: a cursor's exact position.
    static func isoMicro(_ column: String) -> String { "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" }

    /// A PostgreSQL text[] literal, every element quoted and escaped (for `$n::text[]`).
    static func array(_ values: [String]) -> String {
        var literal = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in value {
                if character == "\\" || character == "\"" { literal += "\\" }
                literal.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }
}

// MARK: - Dashboard

extension APIStore {
    /// The restaurant's average score per skill and local day over its staff's daily history,
    /// for the last `days` days of data.
    func restaurantTrend(restaurant: String, days: Int = 60) async throws -> [(skill: String, day: String, average: Double)] {
        let rows = try await client.withConnection { connection in
            // The cut-off is taken on the stored times (indexed), the local day only for the rows kept.
            try connection.query(
                """
                SELECT skill, to_char(day, 'YYYY-MM-DD') AS day, avg(skill_score) AS average
                FROM (SELECT skill, (\(SQL.localTime("assessed_at", restaurant: "$1")))::date AS day, skill_score
                      FROM staff_skill_history
                      WHERE restaurant_id = $1
                        AND assessed_at > (SELECT max(assessed_at) FROM staff_skill_history WHERE restaurant_id = $1) - make_interval(days => $2)) d
                GROUP BY skill, day ORDER BY skill, day
                """, [restaurant, days])
        }
        return try rows.map {
            (try $0.decode(String.self, column: "skill"), try $0.decode(String.self, column: "day"), try $0.decode(Double.self, column: "average"))
        }
    }

    /// Every visible restaurant's model quality (latest per model).
    func modelQualities(visible: Set<String>?) async throws -> [ModelQualityView] {
        let group = self.group
        let visibleList: PostgresValue = visible.map { .text(SQL.array($0.sorted())) } ?? .null
        let rows = try await client.withConnection { connection in
            try connection.query(
                """
                SELECT DISTINCT ON (restaurant_id, model) restaurant_id, model, driving, examples, round(log_loss::numeric, 4)::float8 AS log_loss,
                       round(roc_auc::numeric, 4)::float8 AS roc_auc, round(f1::numeric, 4)::float8 AS f1, drifts_detected, \(SQL.iso("updated_at")) AS updated_at
                FROM model_quality WHERE consumer_group = $1 AND ($2::text[] IS NULL OR restaurant_id = ANY($2::text[]))
                ORDER BY restaurant_id, model, updated_at DESC
                """, [group, visibleList])
        }
        var byRestaurant: [(String, [ModelScoreView])] = []
        for row in rows {
            let restaurant = try row.decode(String.self, column: "restaurant_id")
            if byRestaurant.last?.0 != restaurant { byRestaurant.append((restaurant, [])) }
            byRestaurant[byRestaurant.count - 1].1.append(try Self.modelScore(row))
        }
        return byRestaurant.map { ModelQualityView(restaurantID: $0.0, models: $0.1) }
    }

    static func modelScore(_ row: PostgresRow) throws -> ModelScoreView {
        ModelScoreView(
            model: try row.decode(String.self, column: "model"), driving: try row.decode(Bool.self, column: "driving"),
            examples: try row.decode(Int.self, column: "examples"), logLoss: try row.decode(Double.self, column: "log_loss"),
            rocAuc: try row.decode(Double.self, column: "roc_auc"), f1: try row.decode(Double.self, column: "f1"),
            driftsDetected: try row.decode(Int.self, column: "drifts_detected"), updatedAt: try row.decode(String.self, column: "updated_at"))
    }

    /// Records processed so far by the group (for the throughput the API samples).
    func processedTotal() async throws -> Int {
        let group = self.group
        return try await client.withConnection { connection in
            try connection.query(
                "SELECT coalesce(sum(value), 0)::bigint AS n FROM processing_counters WHERE consumer_group = $1 AND counter = 'processed'", [group])[0]
                .decode(Int.self, column: "n")
        }
    }
}
