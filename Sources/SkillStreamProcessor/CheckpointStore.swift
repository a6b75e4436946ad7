import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamOutbox
import SkillStreamPostgres
import SkillStreamScoring

/// A partition's checkpoint as stored: the last full engine snapshot (nil before the first) with
/// the input and reference offsets it was taken at, the order the engine was given its records
/// since (to replay), the checkpoint's next input offsets (where the replay ends), and the epoch
/// under which this replica now owns the partition.
public struct ClaimedPartition: Sendable {
    public var partition: Int32
    public var ownerEpoch: Int64
    public var snapshot: [UInt8]?
    public var snapshotOffsets: [String: Int64]
    public var referenceOffsets: [KafkaTopicPartition: Int64]
    public var log: ProcessingLog
    public var nextOffsets: [String: Int64]
}

/// Everything one partition's checkpoint writes: a full snapshot now and then (taken at
/// `nextOffsets`, with `referenceOffsets`), otherwise the log segment since the last checkpoint.
public struct PartitionCheckpoint: Sendable {
    public var partition: Int32
    public var ownerEpoch: Int64
    public var snapshot: [UInt8]?
    public var nextOffsets: [String: Int64]
    /// Each input topic's high watermark as last fetched, where known.
    public var highWatermarks: [String: Int64] = [:]
    public var referenceOffsets: [KafkaTopicPartition: Int64]
    public var counters: [(name: String, value: Int)]
    public var effects: [(programID: String, skill: Skill, observations: Int, sum: Double)]
    /// With a snapshot: each restaurant's model quality (table model_quality).
    public var modelQuality: [RestaurantModelQuality] = []
    public var changes: CheckpointChanges
}

/// Raised when another replica took the partition over (its epoch moved on): this replica's
/// checkpoint is refused and it must drop the partition.
public struct FencedOut: Error, CustomStringConvertible {
    public var partition: Int32
    public var description: String { "partition \(partition) is owned by another replica now (its checkpoint epoch moved on)" }
}

/// The processor's PostgreSQL side: claiming partitions, writing checkpoints (state, offsets and
/// outputs in one transaction).
public struct CheckpointStore: Sendable {
    public let client: PostgresClient
    public let group: String

    public init(client: PostgresClient, group: String) {
        self.client = client
        self.group = group
    }

    /// Takes ownership of a partition (increments its epoch, fencing out a previous owner) and
    /// loads its checkpoint; refuses (``claimDatabase(for:_:)``) a database that holds another
    /// consumer group's results.
    public func claim(partition: Int32) async throws -> ClaimedPartition {
        let group = self.group
        return try await client.withTransaction { connection in
            try Self.claimDatabase(for: group, connection)
            let row = try connection.query(
                """
                INSERT INTO engine_checkpoints (consumer_group, partition) VALUES ($1, $2)
                ON CONFLICT (consumer_group, partition) DO UPDATE SET owner_epoch = engine_checkpoints.owner_epoch + 1
                RETURNING owner_epoch, snapshot, reference_offsets::text AS reference_offsets, snapshot_offsets::text AS snapshot_offsets
                """, [group, Int(partition)])[0]
            let snapshot: [UInt8]? = try row.decode([UInt8]?.self, column: "snapshot")
            let segments = try connection.query(
                "SELECT segment, records FROM engine_order_log WHERE consumer_group = $1 AND partition = $2 ORDER BY id", [group, Int(partition)])
            let offsets = try connection.query(
                "SELECT topic, next_offset FROM partition_checkpoints WHERE consumer_group = $1 AND partition = $2", [group, Int(partition)])
            var next: [String: Int64] = [:]
            for offset in offsets { next[try offset.decode(String.self, column: "topic")] = try offset.decode(Int64.self, column: "next_offset") }
            // A snapshot written before snapshot_offsets existed was taken at the checkpoint's offsets.
            let snapshotOffsets = try Self.offsets(json: try row.decode(String.self, column: "snapshot_offsets"))
            return ClaimedPartition(
                partition: partition, ownerEpoch: try row.decode(Int64.self, column: "owner_epoch"), snapshot: snapshot,
                snapshotOffsets: snapshot != nil && snapshotOffsets.isEmpty ? next : Dictionary(uniqueKeysWithValues: snapshotOffsets.map { ($0.key.topic, $0.value) }),
                referenceOffsets: try Self.offsets(json: try row.decode(String.self, column: "reference_offsets")),
                log: ProcessingLog(segments: try segments.map { (try $0.decode([UInt8].self, column: "segment"), try $0.decode(Int.self, column: "records")) }),
                nextOffsets: next)
        }
    }

    /// Records `group` as the database's owner, or throws a ``ProcessorError`` saying what to do
    /// when another group owns it. Alerts, recommendations and profiles are not keyed by group:
    /// a second group would write over the first's. The owner is the group recorded, or, in a
    /// database whose owner was never recorded (before migration 0009), the claiming group if it
    /// has checkpoints here, else any other group that has. Once recorded the owner never changes,
    /// so it is read without a lock; only recording it takes the table lock, so that two groups
    /// claiming at once take turns. A database without the table was not migrated: that is said,
    /// not retried.
    static func claimDatabase(for group: String, _ connection: PostgresConnection) throws {
        func recorded() throws -> String? {
            do {
                return try connection.query("SELECT consumer_group FROM database_owner").first?.decode(String.self, column: "consumer_group")
            } catch let error as PostgresError where error.sqlState == "42P01" {  // undefined_table
                throw ProcessorError("the database has no table database_owner: run `skillstream migrate` against it before starting the processor (\(error.message))")
            }
        }
        var owner = try recorded()
        if owner == nil {
            _ = try connection.query("LOCK TABLE database_owner IN SHARE ROW EXCLUSIVE MODE")
            let groups = try connection.query("SELECT DISTINCT consumer_group FROM engine_checkpoints ORDER BY consumer_group").map {
                try $0.decode(String.self, column: "consumer_group")
            }
            owner = try recorded() ?? (groups.isEmpty || groups.contains(group) ? group : groups[0])
            if owner == group { _ = try connection.query("INSERT INTO database_owner (consumer_group) VALUES ($1) ON CONFLICT DO NOTHING", [group]) }
        }
        guard let owner, owner != group else { return }
        throw ProcessorError(
            "this database holds the results of consumer group \"\(owner)\", not \"\(group)\": two groups must not share one database "
                + "(their alerts, recommendations and profiles would collide). Run this group on a fresh, migrated database, or use --group \(owner) "
                + "(RUNBOOK: Reprocessing)")
    }

    /// Writes the checkpoints of several partitions in one transaction; throws ``FencedOut``
    /// (and writes nothing) when one of them belongs to another replica now.
    public func save(_ checkpoints: [PartitionCheckpoint]) async throws {
        guard !checkpoints.isEmpty else { return }
        let group = self.group
        try await client.withTransaction { connection in
            for checkpoint in checkpoints { try Self.write(checkpoint, group: group, connection) }
            try Self.writeAssessments(checkpoints.flatMap(\.changes.assessments), connection)
        }
    }

    static func write(_ checkpoint: PartitionCheckpoint, group: String, _ connection: PostgresConnection) throws {
        let partition = Int(checkpoint.partition)
        if let snapshot = checkpoint.snapshot {
            let snapshotOffsets = Dictionary(
                uniqueKeysWithValues: checkpoint.nextOffsets.map { (KafkaTopicPartition(topic: $0.key, partition: checkpoint.partition), $0.value) })
            let updated = try connection.query(
                """
                UPDATE engine_checkpoints SET snapshot = $4, reference_offsets = $5::jsonb, snapshot_bytes = $6, snapshot_offsets = $7::jsonb,
                    updated_at = now()
                WHERE consumer_group = $1 AND partition = $2 AND owner_epoch = $3
                """,
                [
                    group, partition, checkpoint.ownerEpoch, snapshot, offsetsJSON(checkpoint.referenceOffsets), snapshot.count,
                    offsetsJSON(snapshotOffsets),
                ])
            guard updated.affectedRows == 1 else { throw FencedOut(partition: checkpoint.partition) }
            _ = try connection.query("DELETE FROM engine_order_log WHERE consumer_group = $1 AND partition = $2", [group, partition])
            _ = try connection.query("DELETE FROM model_quality WHERE consumer_group = $1 AND partition = $2", [group, partition])
            _ = try connection.copy(
                into: "model_quality",
                columns: ["consumer_group", "partition", "restaurant_id", "model", "driving", "examples", "log_loss", "roc_auc", "f1", "drifts_detected"],
                rows: checkpoint.modelQuality.map { quality in
                    [
                        .text(group), .text(String(partition)), .text(quality.restaurantID), .text(quality.model), quality.driving.postgresValue,
                        .text(String(quality.examples)), .text(String(quality.logLoss)), .text(String(quality.rocAUC)), .text(String(quality.f1)),
                        .text(String(quality.driftsDetected)),
                    ]
                })
        } else {
            let updated = try connection.query(
                "UPDATE engine_checkpoints SET updated_at = now() WHERE consumer_group = $1 AND partition = $2 AND owner_epoch = $3",
                [group, partition, checkpoint.ownerEpoch])
            guard updated.affectedRows == 1 else { throw FencedOut(partition: checkpoint.partition) }
            if !checkpoint.changes.log.isEmpty {
                _ = try connection.query(
                    "INSERT INTO engine_order_log (consumer_group, partition, records, segment) VALUES ($1, $2, $3, $4)",
                    [group, partition, checkpoint.changes.log.count, checkpoint.changes.log.bytes])
            }
        }
        for (topic, offset) in checkpoint.nextOffsets.sorted(by: { $0.key < $1.key }) {
            _ = try connection.query(
                """
                INSERT INTO partition_checkpoints (consumer_group, topic, partition, next_offset, high_watermark, high_watermark_at)
                VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::bigint IS NULL THEN NULL ELSE now() END)
                ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now(),
                    high_watermark = coalesce(EXCLUDED.high_watermark, partition_checkpoints.high_watermark),
                    high_watermark_at = coalesce(EXCLUDED.high_watermark_at, partition_checkpoints.high_watermark_at)
                """, [group, topic, partition, offset, checkpoint.highWatermarks[topic]])
        }
        for counter in checkpoint.counters {
            _ = try connection.query(
                """
                INSERT INTO processing_counters (consumer_group, partition, counter, value) VALUES ($1, $2, $3, $4)
                ON CONFLICT (consumer_group, partition, counter) DO UPDATE SET value = EXCLUDED.value
                """, [group, partition, counter.name, counter.value])
        }
        for effect in checkpoint.effects {
            _ = try connection.query(
                """
                INSERT INTO program_effectiveness (consumer_group, partition, program_id, skill, observations, effect_sum) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (consumer_group, partition, program_id, skill) DO UPDATE SET observations = EXCLUDED.observations, effect_sum = EXCLUDED.effect_sum
                """, [group, partition, effect.programID, effect.skill.rawValue, effect.observations, effect.sum])
        }
        let changes = checkpoint.changes
        for (alert, versions, firstAt) in changes.alerts.values.sorted(by: { $0.alert.alertID < $1.alert.alertID }) {
            let detected = timestamp(alert.detectedAt)
            _ = try connection.query(
                """
                INSERT INTO gap_alerts (alert_id, restaurant_id, staff_id, skill, status, severity, skill_score, benchmark, alert, text_es, text_en,
                                        model, opened_at, updated_at, resolved_at, versions)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $15, $13, CASE WHEN $5 = 'resolved' THEN $13::timestamptz END, $14)
                ON CONFLICT (alert_id) DO UPDATE SET status = EXCLUDED.status, severity = EXCLUDED.severity, skill_score = EXCLUDED.skill_score,
                    alert = EXCLUDED.alert, text_es = EXCLUDED.text_es, text_en = EXCLUDED.text_en, model = EXCLUDED.model,
                    updated_at = EXCLUDED.updated_at, resolved_at = EXCLUDED.resolved_at, versions = gap_alerts.versions + EXCLUDED.versions
                """,
                [
                    alert.alertID, alert.restaurantID, alert.staffID, alert.skill.rawValue, alert.status.rawValue, alert.severity, alert.skillScore,
                    alert.benchmark, String(decoding: alert.encoded(), as: UTF8.self), alert.textES, alert.textEN, alert.model, detected, versions,
                    timestamp(firstAt),
                ])
        }
        for recommendation in changes.recommendations {
            _ = try connection.query(
                """
                INSERT INTO training_recommendations (recommendation_id, alert_id, restaurant_id, staff_id, skill, program_id, rank,
                                                      expected_improvement, confidence, recommended_at)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM gap_alerts WHERE alert_id = $2
                ON CONFLICT (recommendation_id) DO NOTHING
                """,
                [
                    recommendation.recommendationID, recommendation.alertID, recommendation.restaurantID, recommendation.staffID,
                    recommendation.skill.rawValue, recommendation.programID, recommendation.rank, recommendation.expectedImprovement,
                    recommendation.confidence, timestamp(recommendation.recommendedAt),
                ])
        }
        for (key, employment) in changes.employment.sorted(by: { ($0.key.restaurantID, $0.key.staffID) < ($1.key.restaurantID, $1.key.staffID) }) {
            _ = try connection.query(
                """
                INSERT INTO staff_employment (restaurant_id, staff_id, role, hired_at, left_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (restaurant_id, staff_id) DO UPDATE SET role = EXCLUDED.role, hired_at = EXCLUDED.hired_at, left_at = EXCLUDED.left_at,
                    updated_at = now()
                """,
                [key.restaurantID, key.staffID, employment.role?.rawValue, employment.hiredAt.map(timestamp), employment.leftAt.map(timestamp)])
        }
        try Outbox.write(changes.outbox, group: group, partition: checkpoint.partition, on: connection)
    }

    /// Assessments are many (every staff member's skills, up to four times a day, in every
    /// partition): the history (a staff member's first assessment of each day: a daily series)
    /// goes in with one COPY, the profiles (the latest per staff member and skill) with one
    /// upsert from a COPY-filled temporary table, for the whole checkpoint.
    static func writeAssessments(_ assessments: [StaffAssessment], _ connection: PostgresConnection) throws {
        var latest: [String: (StaffAssessment, SkillAssessment)] = [:]
        var history: [[PostgresValue]] = []
        for assessment in assessments {
            let at = timestamp(assessment.at)
            for skill in assessment.skills {
                latest[assessment.restaurantID + "\u{1F}" + assessment.staffID + "\u{1F}" + skill.skill.rawValue] = (assessment, skill)
                guard assessment.isFirstOfDay else { continue }
                history.append([
                    .text(assessment.restaurantID), .text(assessment.staffID), .text(skill.skill.rawValue), .text(at),
                    skill.gapProbability.postgresValue, skill.skillScore.postgresValue, .text(String(skill.tables)),
                ])
            }
        }
        if !history.isEmpty {
            try connection.copy(
                into: "staff_skill_history", columns: ["restaurant_id", "staff_id", "skill", "assessed_at", "gap_probability", "skill_score", "tables"],
                rows: history)
        }
        if !latest.isEmpty {
            // Made once per session; the "already exists" notice of every later checkpoint is
            // silenced for this transaction, or it would fill the log at info level.
            try connection.execute(
                script: """
                    SET LOCAL client_min_messages = warning;
                    CREATE TEMPORARY TABLE IF NOT EXISTS staff_skills_incoming (LIKE staff_skills) ON COMMIT DELETE ROWS
                    """)
            try connection.copy(
                into: "staff_skills_incoming",
                columns: ["restaurant_id", "staff_id", "skill", "role", "gap_probability", "skill_score", "benchmark", "tables", "assessed_at"],
                rows: latest.keys.sorted().map { key in
                    let (assessment, skill) = latest[key]!
                    return [
                        .text(assessment.restaurantID), .text(assessment.staffID), .text(skill.skill.rawValue), assessment.role?.rawValue.postgresValue ?? .null,
                        skill.gapProbability.postgresValue, skill.skillScore.postgresValue, skill.benchmark.postgresValue, .text(String(skill.tables)),
                        .text(timestamp(assessment.at)),
                    ]
                })
            _ = try connection.query(
                """
                INSERT INTO staff_skills SELECT * FROM staff_skills_incoming
                ON CONFLICT (restaurant_id, staff_id, skill) DO UPDATE SET role = EXCLUDED.role, gap_probability = EXCLUDED.gap_probability,
                    skill_score = EXCLUDED.skill_score, benchmark = EXCLUDED.benchmark, tables = EXCLUDED.tables, assessed_at = EXCLUDED.assessed_at
                """)
        }
    }

    // MARK: - Reference data

    /// Upserts the restaurants and training programs the engines know.
    public func saveReferences(restaurants: [RestaurantReference], programs: [TrainingProgramReference]) async throws {
        try await client.withTransaction { connection in
            for restaurant in restaurants {
                _ = try connection.query(
                    """
                    INSERT INTO restaurants (restaurant_id, name, city, timezone, service_quality_benchmark, fine_dining_accreditation, target_wait_time_seconds)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (restaurant_id) DO UPDATE SET name = EXCLUDED.name, city = EXCLUDED.city, timezone = EXCLUDED.timezone,
                        service_quality_benchmark = EXCLUDED.service_quality_benchmark, fine_dining_accreditation = EXCLUDED.fine_dining_accreditation,
                        target_wait_time_seconds = EXCLUDED.target_wait_time_seconds, updated_at = now()
                    """,
                    [
                        restaurant.header.restaurantID, restaurant.name, restaurant.city, restaurant.timezone, restaurant.serviceQualityBenchmark,
                        restaurant.fineDiningAccreditation, restaurant.targetWaitTimeSeconds,
                    ])
            }
            for program in programs {
                _ = try connection.query(
                    """
                    INSERT INTO training_programs (program_id, title_es, title_en, skills, roles, duration_hours, format)
                    VALUES ($1, $2, $3, $4::text[], $5::text[], $6, $7)
                    ON CONFLICT (program_id) DO UPDATE SET title_es = EXCLUDED.title_es, title_en = EXCLUDED.title_en, skills = EXCLUDED.skills,
                        roles = EXCLUDED.roles, duration_hours = EXCLUDED.duration_hours, format = EXCLUDED.format, updated_at = now()
                    """,
                    [
                        program.programID, program.titleES, program.titleEN, Self.textArray(program.skills.map(\.rawValue)),
                        Self.textArray(program.roles.map(\.rawValue)), program.durationHours, program.format.rawValue,
                    ])
            }
        }
    }

    // MARK: - Encodings

    /// A PostgreSQL array literal of identifiers (the vocabulary's words: no quotes or commas).
    static func textArray(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }

    static func timestamp(_ time: EventTime) -> String {
        EventTime(millisecondsSinceEpoch: time.millisecondsSinceEpoch, offsetMinutes: 0).description
    }

    /// Offsets as stored: {"topic/partition": offset}.
    static func offsetsJSON(_ offsets: [KafkaTopicPartition: Int64]) -> String {
        let object = Dictionary(uniqueKeysWithValues: offsets.map { ("\($0.key.topic)/\($0.key.partition)", $0.value) })
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func offsets(json: String) throws -> [KafkaTopicPartition: Int64] {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for (name, value) in object {
            guard let slash = name.lastIndex(of: "/"), let partition = Int32(name[name.index(after: slash)...]), let offset = value as? Int else {
                throw PostgresError(code: .invalidInput, message: "offset \(name) in engine_checkpoints is not topic/partition")
            }
            offsets[KafkaTopicPartition(topic: String(name[..<slash]), partition: partition)] = Int64(offset)
        }
        return offsets
    }
}
