import SkillStreamGroupLag
import SkillStreamKafka
import Testing

@Suite struct GroupPartitionLagTests {
    let partition = KafkaTopicPartition(topic: "pos.table-service", partition: 2)

    @Test func lagIsTheHighWatermarkMinusTheCommittedOffset() throws {
        let lag = try #require(GroupPartitionLag(topicPartition: partition, highWatermark: 1_250, committed: 1_000, logStart: 0))
        #expect(lag.lag == 250)
        #expect(lag.committed == 1_000)
    }

    @Test func withoutACommittedOffsetEverythingRetainedIsLag() throws {
        let lag = try #require(GroupPartitionLag(topicPartition: partition, highWatermark: 900, committed: nil, logStart: 300))
        #expect(lag.lag == 600)
        #expect(lag.committed == nil)
    }

    @Test func aCommitAheadOfAStaleWatermarkIsNoLagNotANegativeOne() throws {
        let lag = try #require(GroupPartitionLag(topicPartition: partition, highWatermark: 500, committed: 520, logStart: 0))
        #expect(lag.lag == 0)
    }

    @Test func anUnknownHighWatermarkMeasuresNothing() {
        #expect(GroupPartitionLag(topicPartition: partition, highWatermark: nil, committed: 10, logStart: 0) == nil)
    }
}
