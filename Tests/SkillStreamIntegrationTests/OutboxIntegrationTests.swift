import Foundation
import SkillStreamKafka
import SkillStreamOutbox
import SkillStreamPostgres
import Testing

/// The transactional outbox against the real PostgreSQL and broker.
@Suite struct OutboxIntegrationTests {
    @Test func aRecordTheBrokerRefusesForGoodIsParkedAndTheRestIsPublished() async throws {
        let database = try await ProcessorIntegrationTests.migratedDatabase(log: IntegrationEnvironment.fileStem("outbox") + ".migrate.log")
        let topic = try await IntegrationEnvironment.createTopic(partitions: 1)
        // The producer refuses records over 1,000 bytes (MSG_SIZE_TOO_LARGE): no retry can help.
        var configuration = try IntegrationEnvironment.kafkaConfiguration()
        configuration.properties["message.max.bytes"] = "1000"
        let producer = try KafkaProducer(configuration: configuration, logger: IntegrationEnvironment.logger)
        let records = [
            OutboxRecord(topic: topic, key: Array("a".utf8), value: Array(#"{"version":1}"#.utf8)),
            OutboxRecord(topic: topic, key: Array("a".utf8), value: Array(repeating: UInt8(ascii: "x"), count: 5_000)),
            OutboxRecord(topic: topic, key: Array("a".utf8), value: Array(#"{"version":3}"#.utf8)),
        ]
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        try Outbox.write(records, group: "outbox-test", partition: 0, on: connection)
        let client = PostgresClient(configuration: PostgresConfiguration(connectionString: database), logger: IntegrationEnvironment.logger)
        defer { client.close() }
        let outbox = Outbox(client: client, group: "outbox-test")
        let written = try await outbox.pending(partitions: [0], limit: 10).map(\.id)

        let publication = await outbox.publish(partitions: [0], producer: producer)
        #expect(publication.delivered == 2 && publication.parked == 1 && publication.refused == 0)
        #expect(publication.parking?.refusesTheRecordForGood == true, "\(String(describing: publication.parking))")
        #expect(try await outbox.pending(partitions: [0], limit: 10).isEmpty, "nothing waits behind the parked record")
        #expect(try await ProcessorIntegrationTests.records(onTopic: topic).map { String(decoding: $0.value ?? [], as: UTF8.self) } == [
            #"{"version":1}"#, #"{"version":3}"#,
        ])
        let parked = try connection.query("SELECT id, length(payload) AS bytes, reason FROM outbox_parked")
        #expect(parked.count == 1)
        #expect(try parked.first?.decode(Int64.self, column: "id") == written[1] && parked.first?.decode(Int.self, column: "bytes") == 5_000)
        #expect(try parked.first?.decode(String.self, column: "reason").contains("MSG_SIZE_TOO_LARGE") == true)
        await producer.shutdown()
    }
}
