import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamPostgres
import Testing

/// `skillstream share-program-effects` against the real PostgreSQL and broker: the effects the
/// partitions of one group measured, pooled, reach `ref.training-programs` as program records.
@Suite(.serialized) struct ShareProgramEffectsIntegrationTests {
    @Test func theGroupsMeasurementsArePooledOverPartitionsAndPublishedAsProgramRecords() async throws {
        defer { ProcessorIntegrationTests.killLeftovers() }
        let stem = IntegrationEnvironment.fileStem("share-effects")
        let database = try await ProcessorIntegrationTests.migratedDatabase(log: stem + ".migrate.log")
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        let programs: [(String, String, String)] = [
            ("prog-ritmo-servicio", "{timeliness}", "{server,captain}"), ("prog-hospitalidad", "{guest_rapport,table_etiquette}", "{server}"),
            ("prog-nunca-medido", "{timeliness}", "{server}"),
        ]
        for (id, skills, roles) in programs {
            _ = try connection.query(
                "INSERT INTO training_programs (program_id, title_es, title_en, skills, roles, duration_hours, format) VALUES ($1, $2, $3, $4::text[], $5::text[], 4, 'online')",
                [id, "Título " + id, "Title " + id, skills, roles])
        }
        // Two partitions of the group measured; another group's measurements are not its.
        let rows: [(String, Int, String, String, Int, Double)] = [
            ("g", 0, "prog-ritmo-servicio", "timeliness", 2, 30), ("g", 1, "prog-ritmo-servicio", "timeliness", 3, 15),
            ("g", 1, "prog-hospitalidad", "guest_rapport", 1, -4), ("other", 0, "prog-hospitalidad", "table_etiquette", 9, 90),
        ]
        for (group, partition, program, skill, observations, sum) in rows {
            _ = try connection.query(
                "INSERT INTO program_effectiveness (consumer_group, partition, program_id, skill, observations, effect_sum) VALUES ($1, $2, $3, $4, $5, $6)",
                [group, partition, program, skill, observations, sum])
        }
        let prefix = "t" + UUID().uuidString.prefix(6).lowercased() + "share."
        let admin = try KafkaAdmin(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger)
        _ = try await admin.createTopics([KafkaTopicSpecification(name: prefix + "ref.training-programs", partitions: 1, config: ["cleanup.policy": "compact"])])
        try await ProcessorIntegrationTests.run(
            ["share-program-effects", "--postgres", database, "--brokers", try IntegrationEnvironment.brokers(), "--group", "g", "--topic-prefix", prefix],
            log: stem + ".share.log")
        let printed = try String(contentsOfFile: stem + ".share.log", encoding: .utf8)
        #expect(printed.contains("Shared the effects of 2 program(s) (6 measurements) of consumer group g"), "\(printed)")

        let consumer = try KafkaConsumer(configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: "reader-" + prefix, logger: IntegrationEnvironment.logger)
        let received = try await subscribeAndConsume(consumer, topic: prefix + "ref.training-programs", count: 2)
        try await consumer.close()
        var shared: [String: TrainingProgramReference] = [:]
        for message in received {
            guard case .success(.trainingProgram(let program)) = EventDecoder().decode(message.value ?? [], key: message.key.map { String(decoding: $0, as: UTF8.self) })
            else {
                Issue.record("not a valid program record: \(String(decoding: message.value ?? [], as: UTF8.self))")
                continue
            }
            shared[program.programID] = program
            #expect(message.key.map { String(decoding: $0, as: UTF8.self) } == program.programID + " measured_effects", "a share is keyed apart from the definition")
        }
        #expect(shared.keys.sorted() == ["prog-hospitalidad", "prog-ritmo-servicio"], "a program never measured is not republished")
        #expect(
            shared["prog-ritmo-servicio"]?.measuredEffects
                == [.timeliness: MeasuredEffect(observations: 5, meanEffect: 9, partitions: [0: .init(observations: 2, meanEffect: 15), 1: .init(observations: 3, meanEffect: 5)])],
            "(30 + 15) / 5 over both partitions, with each one's part")
        #expect(
            shared["prog-hospitalidad"]?.measuredEffects == [.guestRapport: MeasuredEffect(observations: 1, meanEffect: -4, partitions: [1: .init(observations: 1, meanEffect: -4)])],
            "only group g's")
        #expect(shared["prog-hospitalidad"]?.titleES == "Título prog-hospitalidad" && shared["prog-hospitalidad"]?.roles == [.server], "the rest of the program as stored")

        // The same to a file, for review or a manual publish; a group with nothing measured shares nothing.
        let directory = stem + "-out"
        try await ProcessorIntegrationTests.run(["share-program-effects", "--postgres", database, "--group", "g", "--out", directory], log: stem + ".file.log")
        let lines = try String(contentsOfFile: directory + "/ref.training-programs.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("\"measured_effects\"") })
        try await ProcessorIntegrationTests.run(["share-program-effects", "--postgres", database, "--group", "nobody", "--out", directory], log: stem + ".none.log")
        #expect(try String(contentsOfFile: stem + ".none.log", encoding: .utf8).contains("nothing shared"))
    }
}
