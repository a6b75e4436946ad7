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
        var unreadable: [String] = []
        let catalog = try connection.query(
            """
            SELECT program_id, title_es, title_en, array_to_string(skills, ',') AS skills, array_to_string(roles, ',') AS roles, duration_hours, format
            FROM training_programs ORDER BY program_id
            """
        ).compactMap { row -> TrainingProgramReference? in
            let programID = try row.decode(String.self, column: "program_id")
            let skills = try row.decode(String.self, column: "skills").split(separator: ",").map { Skill(rawValue: String($0)) }
            let roles = try row.decode(String.self, column: "roles").split(separator: ",").map { Role(rawValue: String($0)) }
            guard !skills.contains(nil), !roles.contains(nil), let format = TrainingFormat(rawValue: try row.decode(String.self, column: "format")) else {
                unreadable.append(programID)
                return nil
            }
            return TrainingProgramReference(
                header: EventHeader(eventID: programID, occurredAt: EventTime(millisecondsSinceEpoch: 0), restaurantID: "skillstream"), programID: programID,
                titleES: try row.decode(String.self, column: "title_es"), titleEN: try row.decode(String.self, column: "title_en"),
                skills: skills.compactMap { $0 }, roles: roles.compactMap { $0 }, durationHours: try row.decode(Double.self, column: "duration_hours"),
                format: format)
        }
        if !unreadable.isEmpty {
            print("Left out: \(unreadable.joined(separator: ", ")), whose skills, roles or format this release does not know.")
        }
        var byPartition: [Int32: [String: [Skill: ProgramEffectiveness.Estimate]]] = [:]
        var ignored: [String] = []
        let known = Set(catalog.map(\.programID))
        for row in try connection.query(
            "SELECT partition, program_id, skill, observations, effect_sum FROM program_effectiveness WHERE consumer_group = $1 AND observations > 0 ORDER BY 1, 2, 3",
            [group])
        {
            let programID = try row.decode(String.self, column: "program_id")
            let skillName = try row.decode(String.self, column: "skill")
            guard let skill = Skill(rawValue: skillName), known.contains(programID) else {
                ignored.append("\(programID)/\(skillName)")
                continue
            }
            byPartition[Int32(try row.decode(Int.self, column: "partition")), default: [:]][programID, default: [:]][skill] = ProgramEffectiveness.Estimate(
                observations: try row.decode(Int.self, column: "observations"), sum: try row.decode(Double.self, column: "effect_sum"))
        }
        if !ignored.isEmpty {
            print("Left out: measurements of \(ignored.joined(separator: ", ")), a program not in training_programs or a skill this release does not know.")
        }
        let now = EventTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        let records = ProgramEffectShare.records(catalog: catalog, byPartition: byPartition, at: now)
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
            let event = ContractEvent.trainingProgram(record)
            try await sink.write(OutgoingRecord(topic: Topics.trainingPrograms, key: event.messageKey, value: EventEncoder.encode(event)))
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
