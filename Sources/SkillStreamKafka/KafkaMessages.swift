/// A record to produce.
public struct KafkaProducerMessage: Sendable, Hashable {
    public var topic: String
    /// The partition to write to; `nil` lets the configured partitioner choose from the key.
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// The record's timestamp, milliseconds since the Unix epoch; `nil` lets the producer stamp
    /// it with the time of sending.
    public var timestampMilliseconds: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// A record whose key and value are the UTF-8 bytes of the strings.
    public init(topic: String, partition: Int32? = nil, key: String?, value: String, headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil) {
        self.init(
            topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers,
            timestampMilliseconds: timestampMilliseconds)
    }
}

/// What became of one produced record: where it was written, or why it was not.
public struct KafkaDeliveryReport: Sendable {
    /// The topic the record was sent to.
    public var topic: String
    /// The partition and offset it was written at, or the error that stopped it.
    public var outcome: Result<KafkaTopicPartitionOffset, KafkaError>

    public init(topic: String, outcome: Result<KafkaTopicPartitionOffset, KafkaError>) {
        self.topic = topic
        self.outcome = outcome
    }
}

/// A record consumed from a partition. Key, value and headers are copies: they stay valid for
/// as long as the caller keeps them.
public struct KafkaConsumerMessage: Sendable, Hashable {
    public var topicPartition: KafkaTopicPartition
    public var offset: Int64
    public var key: [UInt8]?
    /// The payload; nil for a tombstone (a deletion on a compacted topic), distinct from empty.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch, as set by the producer or the broker; `nil` if absent.
    public var timestampMilliseconds: Int64?

    public init(
        topicPartition: KafkaTopicPartition, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader],
        timestampMilliseconds: Int64?
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// The first header with this name.
    public func header(_ name: String) -> KafkaHeader? {
        headers.first { $0.name == name }
    }
}

/// A change of the partitions a group member owns. The caller handles it (checkpoints and
/// releases revoked partitions, restores assigned ones) and then calls
/// ``KafkaConsumer/completeRebalance(startingOffsets:)``; the rebalance does not complete before.
public struct KafkaRebalance: Sendable, Hashable {
    /// What happened to the partitions.
    public enum Kind: String, Sendable, Hashable {
        case assigned
        case revoked
        /// Taken away after a failed rebalance, already without a chance to commit: drop their
        /// state without committing (another member may own them now).
        case lost
    }

    public var kind: Kind
    public var partitions: [KafkaTopicPartition]
    /// True under the cooperative protocol, where only these partitions move; false under the
    /// eager protocol, where a revocation takes the whole assignment.
    public var isIncremental: Bool

    public init(kind: Kind, partitions: [KafkaTopicPartition], isIncremental: Bool) {
        self.kind = kind
        self.partitions = partitions
        self.isIncremental = isIncremental
    }
}

/// What one ``KafkaConsumer/poll(maxMessages:timeout:)`` returned: messages in partition order,
/// then at most one rebalance to handle after them, and any non-fatal errors seen meanwhile.
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaConsumerMessage]
    public var rebalance: KafkaRebalance?
    public var errors: [KafkaError]

    public init(messages: [KafkaConsumerMessage], rebalance: KafkaRebalance?, errors: [KafkaError]) {
        self.messages = messages
        self.rebalance = rebalance
        self.errors = errors
    }
}
