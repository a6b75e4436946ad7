import Foundation
import SkillStreamKafka
import SkillStreamProcessor
import SkillStreamScoring
import Testing

/// What a partition's task counts for the operators' metrics as it processes records.
struct PartitionTaskTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/examples/valid")

    static func example(_ name: String) throws -> [UInt8] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: examples.appendingPathComponent(name + ".json")))
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// When the example table service happened (2026-03-14T21:42:10-05:00), as a Kafka timestamp.
    static let served: Int64 = 1_773_542_530_000

    static func message(_ topic: String, _ offset: Int64, _ value: [UInt8], at timestamp: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(
            topicPartition: KafkaTopicPartition(topic: topic, partition: 0), offset: offset, key: Array("lim-01".utf8), value: value, headers: [],
            timestampMilliseconds: timestamp)
    }

    static func task() -> PartitionTask {
        PartitionTask(
            partition: 0, engine: SkillEngine(defaultPrograms: []), topics: ContractTopics(), nextOffsets: [:], referenceOffsets: [:], ownerEpoch: 1,
            maximumIdleMilliseconds: 2_000)
    }

    @Test func outcomesAreCountedPerTopicAndTheCheckpointKeepsEachRecordsTimestamp() throws {
        let task = Self.task()
        let service = try Self.example("pos.table_service.v1")
        let feedback = try Self.example("survey.guest_feedback.v1")
        let served = Self.served
        task.append(Self.message("pos.table-service", 0, service, at: served + 1_000))
        task.append(Self.message("pos.table-service", 1, service, at: served + 1_001))  // the same event again
        task.append(Self.message("survey.guest-feedback", 0, Array("{not json".utf8), at: served + 1_002))
        task.append(Self.message("survey.guest-feedback", 1, feedback, at: served + 41_000_000))
        #expect(try task.drain(now: 0) { _ in .atEnd } == 4)

        let counts = task.takeOutcomeCounts()
        #expect(counts["pos.table-service"] == [.processed: 1, .duplicate: 1])
        #expect(counts["survey.guest-feedback"]?[.deadLettered] == 1)
        #expect(counts["survey.guest-feedback"]?[.processed] == 1)
        #expect(task.takeOutcomeCounts().isEmpty, "counting starts anew")
        #expect(task.takeChanges().recordTimestamps == [served + 1_000, served + 1_001, served + 1_002, served + 41_000_000], "in processing order")
    }

    @Test func secondsBehindIsTheGapBetweenTheNewestFetchedRecordAndTheLastProcessed() throws {
        let task = Self.task()
        let service = try Self.example("pos.table_service.v1")
        #expect(task.secondsBehind(topic: 0) == 0, "nothing known yet")
        task.append(Self.message("pos.table-service", 0, service, at: Self.served + 10_000))
        task.append(Self.message("pos.table-service", 1, service, at: Self.served + 14_500))
        #expect(try task.drain(now: 0, limit: 1) { _ in .atEnd } == 1)
        #expect(task.secondsBehind(topic: 0) == 4.5)
        #expect(try task.drain(now: 0) { _ in .atEnd } == 1)
        #expect(task.secondsBehind(topic: 0) == 0)
    }
}
