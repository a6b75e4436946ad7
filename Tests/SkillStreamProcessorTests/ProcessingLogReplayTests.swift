import SkillStreamKafka
import SkillStreamProcessor
import SkillStreamScoring
import SkillStreamSimulation
import Testing

/// A partition restored from a full snapshot and its processing log reaches exactly the state
/// of the last checkpoint, even when the live order depended on when records arrived.
struct ProcessingLogReplayTests {
    /// Sixteen days of one small restaurant as Kafka records, per day, with offsets per topic.
    static func days() -> [[KafkaConsumerMessage]] {
        var configuration = SimulationConfiguration()
        configuration.seed = 5
        configuration.restaurants = 1
        configuration.staffPerRestaurant = 12
        configuration.days = 16
        let simulator = RestaurantSimulator(configuration: configuration)
        var offsets: [String: Int64] = [:]
        var days: [[KafkaConsumerMessage]] = []
        while let records = simulator.nextDay() {
            days.append(records.map { record in
                let offset = offsets[record.topic, default: 0]
                offsets[record.topic] = offset + 1
                return KafkaConsumerMessage(
                    topicPartition: KafkaTopicPartition(topic: record.topic, partition: 0), offset: offset, key: Array(record.key.utf8), value: record.value,
                    headers: [], timestampMilliseconds: record.sentAt)
            })
        }
        return days
    }

    /// Feeds a day as a live consumer may see it: table service first, processed before the day's
    /// feedback and staff events arrive (which the merge would otherwise have put first).
    static func feedLive(_ day: [KafkaConsumerMessage], to task: PartitionTask) throws {
        let inputs = ContractTopics().inputs
        let references = day.filter { !inputs.contains($0.topicPartition.topic) }
        for message in references { task.applyReference(message) }
        let service = day.filter { $0.topicPartition.topic == inputs[0] }
        for message in service { task.append(message) }
        _ = try task.drain(now: 0) { _ in .atEnd }
        for message in day where inputs.dropFirst().contains(message.topicPartition.topic) { task.append(message) }
        _ = try task.drain(now: 0) { _ in .atEnd }
    }

    @Test func aRestoredPartitionReplaysItsLogToExactlyTheCheckpointedState() throws {
        let days = Self.days()
        let live = PartitionTask(
            partition: 0, engine: SkillEngine(), topics: ContractTopics(), nextOffsets: [:], referenceOffsets: [:], ownerEpoch: 1,
            maximumIdleMilliseconds: 2_000)
        for day in days[0..<6] { try Self.feedLive(day, to: live) }
        // A full snapshot after day 6, then checkpoints with only the log.
        let snapshot = live.takeSnapshot()
        let (snapshotOffsets, snapshotReferences) = (live.nextOffsets, live.referenceOffsets)
        _ = live.takeChanges()
        var log = ProcessingLog()
        for day in days[6..<15] {
            try Self.feedLive(day, to: live)
            log.append(live.takeChanges().log)
        }
        #expect(log.count > 400, "nine days of a restaurant in the log")
        let checkpointOffsets = live.nextOffsets
        let expected = live.engine.snapshot()

        let restored = PartitionTask(
            partition: 0, engine: try SkillEngine(snapshot: snapshot), topics: ContractTopics(), nextOffsets: snapshotOffsets,
            referenceOffsets: snapshotReferences, ownerEpoch: 2, maximumIdleMilliseconds: 2_000)
        // The log as stored: two segments (here, the first seven records are inputs, a byte each).
        #expect(log.bytes.prefix(7).allSatisfy { $0 < 3 })
        let stored = ProcessingLog(segments: [(Array(log.bytes.prefix(7)), 7), (Array(log.bytes.dropFirst(7)), log.count - 7)])
        #expect(stored == log)
        try restored.startReplay(stored, until: checkpointOffsets)
        #expect(restored.isReplaying)
        // The consumer hands the records over topic by topic, from the snapshot's offsets on, and
        // the reference records come again (they were applied already: the log has them).
        let inputs = ContractTopics().inputs
        for topic in inputs.reversed() {
            for message in days[6...].joined()
            where message.topicPartition.topic == topic && message.offset >= snapshotOffsets[topic] ?? 0 && message.offset < checkpointOffsets[topic] ?? 0 {
                restored.append(message)
            }
        }
        for message in days[6..<15].joined() where !inputs.contains(message.topicPartition.topic) { restored.applyReference(message) }
        #expect(try restored.drain(now: 0) { _ in .atEnd } == 0, "replayed records are not new work")
        #expect(!restored.isReplaying)
        #expect(restored.nextOffsets == checkpointOffsets)
        #expect(restored.engine.snapshot() == expected, "the state of the last checkpoint, byte for byte")
        #expect(restored.takeChanges().outbox.isEmpty, "the replay produces no outputs again")
    }
}
