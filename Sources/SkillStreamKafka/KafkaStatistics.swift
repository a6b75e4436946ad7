import Foundation

/// The parts of librdkafka's statistics JSON (`statistics.interval.ms`) that SkillStream turns
/// into metrics: queue depths, message counts, and per-partition lag and offsets.
public struct KafkaStatistics: Sendable, Decodable {
    /// Per-partition figures; librdkafka reports -1 for unknown offsets.
    public struct Partition: Sendable, Decodable {
        public var partition: Int32
        public var consumerLag: Int64
        public var highWatermark: Int64
        public var lowWatermark: Int64
        public var committedOffset: Int64
        public var applicationOffset: Int64
        public var fetchQueueMessages: Int64
        public var receivedMessages: Int64
        public var transmittedMessages: Int64

        enum CodingKeys: String, CodingKey {
            case partition
            case consumerLag = "consumer_lag"
            case highWatermark = "hi_offset"
            case lowWatermark = "lo_offset"
            case committedOffset = "committed_offset"
            case applicationOffset = "app_offset"
            case fetchQueueMessages = "fetchq_cnt"
            case receivedMessages = "rxmsgs"
            case transmittedMessages = "txmsgs"
        }
    }

    /// One topic's partitions, keyed by partition number (-1 is librdkafka's unassigned bucket).
    public struct Topic: Sendable, Decodable {
        public var topic: String
        public var partitions: [String: Partition]
    }

    /// The consumer group's state, for consumers.
    public struct ConsumerGroup: Sendable, Decodable {
        public var state: String
        public var joinState: String
        public var rebalanceCount: Int64
        public var assignmentSize: Int64

        enum CodingKeys: String, CodingKey {
            case state
            case joinState = "join_state"
            case rebalanceCount = "rebalance_cnt"
            case assignmentSize = "assignment_size"
        }
    }

    public var name: String
    public var type: String
    /// librdkafka's monotonic clock, microseconds.
    public var timestampMicroseconds: Int64
    /// Messages in the producer queue.
    public var queuedMessages: Int64
    public var receivedMessages: Int64
    public var transmittedMessages: Int64
    public var topics: [String: Topic]
    public var consumerGroup: ConsumerGroup?

    enum CodingKeys: String, CodingKey {
        case name, type, topics
        case timestampMicroseconds = "ts"
        case queuedMessages = "msg_cnt"
        case receivedMessages = "rxmsgs"
        case transmittedMessages = "txmsgs"
        case consumerGroup = "cgrp"
    }

    /// Decodes one statistics document as librdkafka emits it.
    public init(json: [UInt8]) throws {
        self = try JSONDecoder().decode(KafkaStatistics.self, from: Data(json))
    }

    /// The summed consumer lag over all assigned partitions that know theirs.
    public var totalConsumerLag: Int64 {
        topics.values.flatMap(\.partitions.values).filter { $0.partition >= 0 && $0.consumerLag >= 0 }.reduce(0) { $0 + $1.consumerLag }
    }
}
