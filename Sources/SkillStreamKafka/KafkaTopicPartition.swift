/// One partition of one topic.
public struct KafkaTopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A partition and an offset in it. In commits and seeks the offset is the next one to consume
/// (the last processed offset + 1), as Kafka defines it.
public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: KafkaTopicPartition
    public var offset: Int64

    public init(topicPartition: KafkaTopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public init(topic: String, partition: Int32, offset: Int64) {
        self.init(topicPartition: KafkaTopicPartition(topic: topic, partition: partition), offset: offset)
    }

    public var description: String { "\(topicPartition)@\(offset)" }
}

/// How far a consumer is behind on one partition, from the high watermark that fetch responses
/// carry (not ListOffsets, which some brokers answer wrongly).
public struct KafkaPartitionLag: Sendable, Hashable {
    public var topicPartition: KafkaTopicPartition
    /// The offset the next produced message will get, as last seen in a fetch response;
    /// `nil` before the first fetch from this partition.
    public var highWatermark: Int64?
    /// The next offset this consumer will hand out (last consumed + 1); `nil` before the first
    /// message when there is no starting point yet.
    public var position: Int64?
    /// Messages produced but not yet consumed, `nil` while either end is unknown.
    public var lag: Int64? {
        guard let highWatermark, let position else { return nil }
        return max(0, highWatermark - position)
    }

    public init(topicPartition: KafkaTopicPartition, highWatermark: Int64?, position: Int64?) {
        self.topicPartition = topicPartition
        self.highWatermark = highWatermark
        self.position = position
    }
}
