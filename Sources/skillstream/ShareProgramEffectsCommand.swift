import ArgumentParser
import Foundation
import Logging
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamPostgres
import SkillStreamProcessor
import SkillStreamPublishing
import SkillStreamScoring

/// `skillstream share-program-effects`: the training effects measured in every partition of a
/// consumer group, pooled from PostgreSQL (`program_effectiveness`) and published to
/// `ref.training-programs` as the programs' records with their measured effects. Each
/// partition measures only its own restaurants' trainings; with these records every partition
/// ranks programs with the whole group's evidence, and counts its own later measurements on top
/// (``ProgramEffectiveness``). Run on a schedule (Deploy/kubernetes: a weekly CronJob).
struct ShareProgramEffectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-program-effects",
        abstract: "Publish the training effects measured across a consumer group's partitions to ref.training-programs, so every partition ranks with them.")

    @OptionGroup var servers: ServerOptions
    @Option(help: "The processor's consumer group whose measurements are pooled.") var group = "skillstream-processor"
    @Option(help: "A prefix before the topic name (e.g. prod.), as the processor's --topic-prefix.") var topicPrefix = ""
    @Option(help: "Write ref.training-programs.jsonl into this directory instead of publishing to Kafka.") var out: String?
    @Option(help: "Kafka property for the producer, NAME=VALUE (repeatable), e.g. security.protocol=SSL.") var kafkaProperty: [String] = []

    func validate() throws {
        try NamedValues.validate(kafkaProperty, option: "kafka-property")
    }

    func run() async throws {
        var logger = Logger(label: "skillstream.share-program-effects")
        logger.logLevel = .warning
        let connection = try servers.connectPostgres(logger: logger)
        let catalog = try connection.query(
            """
            SELECT program_id, title_es, title_en, array_to_string(skills, ',') AS skills, array_to_string(roles, ',') AS roles, duration_hours, format
            FROM training_programs ORDER BY program_id
            """
        ).map { row -> TrainingProgramReference in
            let programID = try row.decode(String.self, column: "program_id")
            func values<E: RawRepresentable>(_ column: String, _: E.Type) throws -> [E] where E.RawValue == String {
                try row.decode(String.self, column: column).split(separator: ",").map { name in
                    guard let value = E(rawValue: String(name)) else { throw ValidationError("training_programs: \(programID) has an unknown \(column) value '\(name)'") }
                    return value
                }
            }
            guard let format = TrainingFormat(rawValue: try row.decode(String.self, column: "format")) else {
                throw ValidationError("training_programs: \(programID) has an unknown format")
            }
            return TrainingProgramReference(
                header: EventHeader(eventID: programID, occurredAt: EventTime(millisecondsSinceEpoch: 0), restaurantID: "skillstream"), programID: programID,
                titleES: try row.decode(String.self, column: "title_es"), titleEN: try row.decode(String.self, column: "title_en"),
                skills: try values("skills", Skill.self), roles: try values("roles", Role.self), durationHours: try row.decode(Double.self, column: "duration_hours"),
                format: format)
        }
        var pooled: [String: [Skill: ProgramEffectiveness.Estimate]] = [:]
        for row in try connection.query(
            """
            SELECT program_id, skill, sum(observations)::bigint AS observations, sum(effect_sum) AS effect_sum
            FROM program_effectiveness WHERE consumer_group = $1 GROUP BY program_id, skill
            """, [group])
        {
            guard let skill = Skill(rawValue: try row.decode(String.self, column: "skill")) else { continue }
            pooled[try row.decode(String.self, column: "program_id"), default: [:]][skill] = ProgramEffectiveness.Estimate(
                observations: try row.decode(Int.self, column: "observations"), sum: try row.decode(Double.self, column: "effect_sum"))
        }
        let now = EventTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        let records = ProgramEffectShare.records(catalog: catalog, pooled: pooled, at: now)
        guard !records.isEmpty else {
            print("No training effects measured in consumer group \(group) yet (\(catalog.count) programs known): nothing shared.")
            return
        }
        let topic = ContractTopics(prefix: topicPrefix).name(Topics.trainingPrograms)
        let sink: EventSink
        if let out {
            sink = try JSONLinesSink(directory: out)
        } else {
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: try servers.brokersOrEnvironment(), properties: NamedValues.dictionary(kafkaProperty)), logger: logger)
            sink = KafkaSink(producer: producer, topicPrefix: topicPrefix)
        }
        for record in records {
            try await sink.write(OutgoingRecord(topic: Topics.trainingPrograms, key: record.programID, value: EventEncoder.encode(.trainingProgram(record))))
        }
        try await sink.flush()
        let measurements = records.flatMap { $0.measuredEffects.values }.map(\.observations).reduce(0, +)
        print(
            "Shared the effects of \(records.count) program(s) (\(measurements) measurements) of consumer group \(group) to "
                + (out.map { "\($0)/\(Topics.trainingPrograms).jsonl" } ?? "topic \(topic)") + ":")
        for record in records {
            let effects = Skill.allCases.compactMap { skill in
                record.measuredEffects[skill].map { "\(skill.rawValue) \(String(format: "%+.1f", $0.meanEffect)) (\($0.observations))" }
            }
            print("  \(record.programID): \(effects.joined(separator: ", "))")
        }
    }
}
