import CRdKafka

/// Where a keyed record lands: the partition our producer writes it to (its partitioner is
/// `murmur2_random`, the Java client's), computed by librdkafka itself. The input topics are
/// keyed by restaurant, so this is also which partition, and so which processor's engine, holds
/// a restaurant's state.
public enum KafkaPartitioner {
    /// The partition of `key` among `partitions` (more than 0).
    public static func partition(ofKey key: String, partitions: Int32) -> Int32 {
        precondition(partitions > 0, "a topic has at least one partition")
        let bytes = Array(key.utf8)
        // librdkafka's murmur2 partitioner reads the key only (not the topic handle).
        return bytes.withUnsafeBytes { buffer in
            rd_kafka_msg_partitioner_murmur2(nil, buffer.baseAddress, buffer.count, partitions, nil, nil)
        }
    }
}
