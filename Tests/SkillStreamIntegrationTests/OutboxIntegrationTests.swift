import Foundation
import SkillStreamKafka
import SkillStreamOutbox
import SkillStreamPostgres
import Testing

/// The transactional outbox against the real PostgreSQL and broker.
@Suite struct OutboxIntegrationTests {
    @Test func aRecordTheBrokerRefusesStaysWithEverythingAfterItAndAProbeSendsOnlyIt() async throws {
        let database = try await ProcessorIntegrationTests.migratedDatabase(log: IntegrationEnvironment.fileStem("outbox") + ".migrate.log")
        let topic = try await IntegrationEnvironment.createTopic(partitions: 1)
        // The producer refuses records over 1,000 bytes before they reach the broker.
        var configuration = try IntegrationEnvironment.kafkaConfiguration()
        configuration.properties["message.max.bytes"] = "1000"
        let producer = try KafkaProducer(configuration: configuration, logger: IntegrationEnvironment.logger)
        let records = [
            OutboxRecord(topic: topic, key: Array("r1".utf8), value: Array(#"{"version":1}"#.utf8)),
            OutboxRecord(topic: topic, key: Array("r1".utf8), value: Array(repeating: UInt8(ascii: "x"), count: 5_000)),
            OutboxRecord(topic: topic, key: Array("r1".utf8), value: Array(#"{"version":3}"#.utf8)),
        ]
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        try Outbox.write(records, group: "outbox-test", partition: 0, on: connection)
        let client = PostgresClient(configuration: PostgresConfiguration(connectionString: database), logger: IntegrationEnvironment.logger)
        defer { client.close() }
        let outbox = Outbox(client: client, group: "outbox-test")
        let written = try await outbox.pending(partitions: [0], limit: 10).map(\.id)

        let first = await outbox.publish(partitions: [0], producer: producer)
        #expect(first.delivered == 1 && first.refused == 2, "the first left; the refused one and the one after it stay")
        #expect(first.refusal != nil, "the refusal says why")
        #expect(try await outbox.pending(partitions: [0], limit: 10).map(\.id) == Array(written.dropFirst()), "kept in the order written")
        // The third was sent all the same (one batch); it is sent again after the second, so
        // that the topic's last word on the key is never an older version.
        #expect(try await ProcessorIntegrationTests.records(onTopic: topic).map { String(decoding: $0.value ?? [], as: UTF8.self) } == [
            #"{"version":1}"#, #"{"version":3}"#,
        ])

        let probe = await outbox.publish(partitions: [0], producer: producer, first: 1)
        #expect(probe.delivered == 0 && probe.refused == 1, "a probe sends only the oldest record")
        #expect(try await outbox.pending(partitions: [0], limit: 10).map(\.id) == Array(written.dropFirst()))
        #expect(try await ProcessorIntegrationTests.records(onTopic: topic).count == 2, "nothing behind the probe was sent again")
        await producer.shutdown()
    }
}
