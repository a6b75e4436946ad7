import SkillStreamKafka
import SkillStreamLearning

/// The order in which a partition's engine was given its records: what a restore replays, from
/// the last full snapshot's offsets, to reach exactly the state of the last checkpoint. With it a
/// checkpoint writes the outputs, the offsets and this log segment every second, and the whole
/// engine only now and then.
///
/// An input record takes one byte, its topic's rank: the record itself is the next one of that
/// topic in the log, so the order the merge chose (which, for records that arrived while it ran,
/// depends on timing) is replayed exactly. A reference record is kept whole, since compaction may
/// remove it from its topic.
public struct ProcessingLog: Sendable, Equatable {
    public private(set) var bytes: [UInt8] = []
    /// Records in the log.
    public private(set) var count = 0

    static let referenceMarker: UInt8 = 0xFF

    public init() {}

    /// One logged record.
    public enum Entry: Sendable, Equatable {
        /// The next record of the input topic of this rank.
        case input(rank: Int)
        /// A reference record (restaurants, training programs), whole.
        case reference(KafkaConsumerMessage)
    }

    public var isEmpty: Bool { count == 0 }

    public mutating func recordInput(rank: Int) {
        bytes.append(UInt8(rank))
        count += 1
    }

    public mutating func recordReference(_ message: KafkaConsumerMessage) {
        var writer = SnapshotWriter()
        writer.write(Self.referenceMarker)
        writer.write(message.topicPartition.topic)
        writer.write(Int(message.topicPartition.partition))
        writer.write(Int(message.offset))
        for part in [message.key, message.value] {
            writer.write(part != nil)
            if let part { writer.write(bytes: part) }
        }
        writer.write(message.timestampMilliseconds != nil)
        if let timestamp = message.timestampMilliseconds { writer.write(Int(timestamp)) }
        bytes += writer.bytes
        count += 1
    }

    /// This log followed by `later`.
    public mutating func append(_ later: ProcessingLog) {
        bytes += later.bytes
        count += later.count
    }

    /// Segments as stored (with how many records each holds), concatenated in order.
    public init(segments: [(bytes: [UInt8], records: Int)]) {
        for segment in segments {
            bytes += segment.bytes
            count += segment.records
        }
    }

    /// The records in order; throws when the bytes do not hold ``count`` records.
    public func entries() throws(LearningError) -> [Entry] {
        var reader = SnapshotReader(bytes)
        var entries: [Entry] = []
        while !reader.isAtEnd {
            let marker = try reader.readUInt8()
            guard marker == Self.referenceMarker else {
                entries.append(.input(rank: Int(marker)))
                continue
            }
            let topic = try reader.readString()
            let partition = Int32(try reader.readInt())
            let offset = Int64(try reader.readInt())
            let key: [UInt8]? = try reader.readBool() ? try reader.readBytes() : nil
            let value: [UInt8]? = try reader.readBool() ? try reader.readBytes() : nil
            let timestamp: Int64? = try reader.readBool() ? Int64(try reader.readInt()) : nil
            entries.append(
                .reference(
                    KafkaConsumerMessage(
                        topicPartition: KafkaTopicPartition(topic: topic, partition: partition), offset: offset, key: key, value: value, headers: [],
                        timestampMilliseconds: timestamp)))
        }
        guard entries.count == count else { throw .invalidSnapshot("processing log of \(entries.count) records, \(count) expected") }
        return entries
    }
}
