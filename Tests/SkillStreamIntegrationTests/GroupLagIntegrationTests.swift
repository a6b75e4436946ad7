import Foundation
import SkillStreamGroupLag
import SkillStreamKafka
import Synchronization
import Testing

/// The group-lag monitor against the real broker: lag from the group's committed offsets and the
/// high watermarks that fetch responses carry, following new records and new commits, without
/// ever committing or joining the group itself.
@Suite(.serialized) struct GroupLagIntegrationTests {
    let logger = IntegrationEnvironment.logger

    @Test func lagFollowsProducedRecordsAndTheGroupsCommitsWithoutTheMonitorCommitting() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 2)
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        func produce(_ count: Int, to partition: Int32) async throws {
            let reports = await producer.send((0..<count).map { KafkaProducerMessage(topic: topic, partition: partition, key: nil, value: "v\($0)") })
            for report in reports { _ = try report.outcome.get() }
        }
        try await produce(300, to: 0)
        try await produce(200, to: 1)
        let group = "lag-monitor-\(UUID().uuidString.prefix(8))"
        let member = try KafkaConsumer(configuration: configuration, groupID: group, logger: logger)
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)
        let p1 = KafkaTopicPartition(topic: topic, partition: 1)
        try await member.assign([KafkaTopicPartitionOffset(topicPartition: p0, offset: 100)])
        try await member.commit([KafkaTopicPartitionOffset(topicPartition: p0, offset: 100)])

        let monitor = try GroupLagMonitor(configuration: configuration, group: group, topics: [topic], logger: logger)
        let stop = Atomic<Bool>(false)
        let running = Task { try await monitor.run(interval: .milliseconds(200), stop: { stop.load(ordering: .relaxed) }) }
        func lags() -> [Int32: Int64] { Dictionary(uniqueKeysWithValues: (monitor.lags ?? []).map { ($0.topicPartition.partition, $0.lag) }) }

        try await eventually("lag 200 on partition 0 (300 produced, 100 committed) and 200 on partition 1 (nothing committed)") {
            lags() == [0: 200, 1: 200]
        }
        try await produce(50, to: 1)
        try await eventually("partition 1's lag grows with the records produced after the monitor started") { lags()[1] == 250 }
        try await member.commit([KafkaTopicPartitionOffset(topicPartition: p1, offset: 250)])
        try await eventually("partition 1's lag drops to 0 once the group commits its end") { lags() == [0: 200, 1: 0] }
        #expect(monitor.lags?.first { $0.topicPartition == p1 }?.committed == 250)

        stop.store(true, ordering: .relaxed)
        try await running.value
        let committed = try await member.committedOffsets(for: [p0, p1])
        #expect(committed[p0] == 100 && committed[p1] == 250, "the monitor committed nothing of its own")
        try await member.close()
        await producer.shutdown()
    }
}
