import CRdKafka
import Dispatch
import Logging

/// Owns exactly one librdkafka handle (`rd_kafka_t`) and destroys it once, in `deinit`.
///
/// `@unchecked Sendable`: librdkafka handles are documented thread-safe; the consumer queue
/// and topic handles it also owns are destroyed here, before the client, in that order.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    let handle: OpaquePointer
    let context: RDKafkaCallbackContext
    /// The consumer's queue (consumers only), forwarded from the main queue so that one
    /// batch call serves messages, rebalances, statistics and errors. Released once, before
    /// the consumer closes, as librdkafka requires; used only on `blockingQueue`.
    private(set) var consumerQueue: OpaquePointer?
    /// Serialises blocking calls on this client and keeps them off Swift's cooperative pool.
    let blockingQueue: DispatchQueue

    init(kind: Kind, properties: [String: String], context: RDKafkaCallbackContext) throws {
        try KafkaRuntime.checkSupported()
        let conf = try Self.makeConf(properties: properties)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        RDKafkaCallbacks.install(on: conf, kind: kind)

        var errorText = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)  // rd_kafka_new takes the conf only on success
            throw KafkaError(code: .clientCreationFailed, message: String(errorBuffer: errorText))
        }
        self.handle = handle
        self.context = context
        self.blockingQueue = DispatchQueue(label: "skillstream.kafka.\(kind)")
        if kind == .consumer {
            rd_kafka_poll_set_consumer(handle)
            self.consumerQueue = rd_kafka_queue_get_consumer(handle)
        } else {
            self.consumerQueue = nil
        }
    }

    deinit {
        releaseConsumerQueue()
        rd_kafka_destroy(handle)
    }

    /// Destroys the consumer queue; later calls do nothing. Call on `blockingQueue` (or when no
    /// poll can run) and before `rd_kafka_consumer_close`.
    func releaseConsumerQueue() {
        if let consumerQueue { rd_kafka_queue_destroy(consumerQueue) }
        consumerQueue = nil
    }

    /// Builds a librdkafka configuration, reporting the first invalid property by name.
    static func makeConf(properties: [String: String]) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = String(errorBuffer: errorText)
                throw KafkaError(code: .invalidConfiguration, message: "property '\(key)': \(reason)")
            }
        }
        return conf
    }

    /// Runs a blocking librdkafka call on this client's own queue, never on the cooperative pool.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            blockingQueue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Throws `KafkaError.Code.fatal` if librdkafka has raised a fatal error on this handle.
    func checkFatal() throws {
        guard context.sawFatalError else { return }
        var text = [CChar](repeating: 0, count: 512)
        let error = rd_kafka_fatal_error(handle, &text, text.count)
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        var kafkaError = KafkaError(code: .fatal, error, context: "fatal client error")
        kafkaError.code = .fatal
        kafkaError.message = "fatal client error: " + String(errorBuffer: text)
        throw kafkaError
    }
}

extension RDKafkaClient {
    /// Every topic in the cluster's metadata, by name (blocking). Asks for all topics rather than
    /// named ones, since some brokers create a topic that a metadata request names. Also fills
    /// the handle's metadata cache, so that fetching an assigned partition starts without waiting.
    func topicMetadata(timeout: Duration) throws -> [String: KafkaTopicDescription] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle, 1, nil, &metadata, timeout.milliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code: .adminOperationFailed, error, context: "metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var found: [String: KafkaTopicDescription] = [:]
        for topicIndex in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[topicIndex]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let name = String(cString: entry.topic)
            let partitions = (0..<Int(entry.partition_cnt)).map { index in
                let partition = entry.partitions[index]
                return KafkaTopicDescription.Partition(id: partition.id, leader: partition.leader, replicas: partition.replica_cnt)
            }
            found[name] = KafkaTopicDescription(name: name, partitions: partitions.sorted { $0.id < $1.id })
        }
        return found
    }

    /// These topics' descriptions, in order, from one metadata request; throws
    /// `adminOperationFailed` (UNKNOWN_TOPIC_OR_PART) for a topic that does not exist.
    func describeTopics(_ names: [String], timeout: Duration) throws -> [KafkaTopicDescription] {
        let metadata = try topicMetadata(timeout: timeout)
        return try names.map { name in
            guard let description = metadata[name] else {
                throw KafkaError(code: .adminOperationFailed, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, context: "describe topic \(name)")
            }
            return description
        }
    }
}

/// Converts between Swift partition lists and `rd_kafka_topic_partition_list_t`, which this
/// type owns and destroys once.
final class RDKafkaPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ offsets: [KafkaTopicPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(offsets.count))
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(pointer, entry.topicPartition.topic, entry.topicPartition.partition)
            element?.pointee.offset = entry.offset
        }
    }

    convenience init(_ partitions: [KafkaTopicPartition], offset: Int64 = Int64(RD_KAFKA_OFFSET_INVALID)) {
        self.init(partitions.map { KafkaTopicPartitionOffset(topicPartition: $0, offset: offset) })
    }

    /// Takes ownership of a list librdkafka returned.
    init(taking pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    var entries: [(offset: KafkaTopicPartitionOffset, error: rd_kafka_resp_err_t)] {
        Self.entries(of: pointer)
    }

    /// Reads a list that librdkafka still owns (as in callbacks).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(offset: KafkaTopicPartitionOffset, error: rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (
                KafkaTopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset),
                element.err
            )
        }
    }

    /// The first per-partition error in the list, as a Swift error.
    func firstError(code: KafkaError.Code, context: String) -> KafkaError? {
        entries.first { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }.map {
            KafkaError(code: code, $0.error, context: "\(context) \($0.offset.topicPartition)")
        }
    }
}

/// librdkafka's logical offsets as the Swift layer uses them.
enum RDKafkaOffset {
    static let invalid = Int64(RD_KAFKA_OFFSET_INVALID)

    /// A real offset, or nil for librdkafka's logical ones (invalid, beginning, end, stored).
    static func real(_ offset: Int64) -> Int64? { offset >= 0 ? offset : nil }
}

extension String {
    /// The text librdkafka wrote into a NUL-terminated error buffer.
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
