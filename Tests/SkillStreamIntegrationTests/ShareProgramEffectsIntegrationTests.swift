import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamPostgres
import SkillStreamScoring
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

    /// The processor's partitions read a share from the topic and each leaves out its own part:
    /// a share whose every measurement is partition 0's gives partitions 1 and 2 forty more
    /// measurements of each program, and partition 0 none. Dated months after the world's events,
    /// it makes none of them late.
    @Test func eachProcessorPartitionCountsTheOtherPartitionsPartsOfAShareAndLeavesItsOwnOut() async throws {
        defer { ProcessorIntegrationTests.killLeftovers() }
        let stem = IntegrationEnvironment.fileStem("share-processor")
        let prefix = "t" + UUID().uuidString.prefix(6).lowercased() + "sharep."
        try await ProcessorIntegrationTests.publishWorld(prefix: prefix, log: stem + ".simulate.log")
        let catalog = try TrainingCatalog.programs(jsonLines: Array(try Data(contentsOf: ProcessorIntegrationTests.root.appendingPathComponent("Schemas/catalog/training-programs.jsonl"))))
        let shares = catalog.map { program -> KafkaProducerMessage in
            var share = program
            share.header = EventHeader(
                eventID: "share-\(program.programID)", occurredAt: EventTime(rfc3339: "2026-12-01T04:00:00-05:00")!, restaurantID: "skillstream")
            share.measuredEffects = Dictionary(
                uniqueKeysWithValues: program.skills.map { ($0, MeasuredEffect(observations: 40, meanEffect: 60, partitions: [0: .init(observations: 40, meanEffect: 60)])) })
            let event = ContractEvent.trainingProgram(share)
            return KafkaProducerMessage(topic: prefix + "ref.training-programs", key: Array(event.messageKey.utf8), value: EventEncoder.encode(event))
        }
        let producer = try KafkaProducer(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger)
        for report in await producer.send(shares) { _ = try report.outcome.get() }
        let database = try await ProcessorIntegrationTests.migratedDatabase(log: stem + ".migrate.log")
        try await ProcessorIntegrationTests.run(
            try ProcessorIntegrationTests.processArguments(postgres: database, prefix: prefix, group: prefix + "group", extra: ["--exit-when-idle", "3"]),
            log: stem + ".process.log")
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        var confidences: [Int32: [Double]] = [:]
        for row in try connection.query("SELECT restaurant_id, confidence FROM training_recommendations") {
            let partition = KafkaPartitioner.partition(ofKey: try row.decode(String.self, column: "restaurant_id"), partitions: 3)
            confidences[partition, default: []].append(try row.decode(Double.self, column: "confidence"))
        }
        // 40 shared measurements or more: confidence 1 − 1/√41 ≈ 0.84; a partition's own few: below 0.7.
        #expect(
            !confidences[0, default: []].isEmpty && confidences[1, default: []].count + confidences[2, default: []].count > 0,
            "recommendations in partition 0 and in the others: \(confidences.mapValues(\.count))")
        #expect(confidences[0, default: []].allSatisfy { $0 < 0.7 }, "partition 0 leaves its own part out: \(confidences[0, default: []])")
        #expect((confidences[1, default: []] + confidences[2, default: []]).allSatisfy { $0 > 0.8 }, "partitions 1 and 2 count it: \(confidences)")
        let alerts = try connection.query("SELECT count(*)::bigint AS n FROM gap_alerts")
        #expect(try alerts[0].decode(Int.self, column: "n") > 0, "alerts opened: a share dated December made nothing late")
    }
}
