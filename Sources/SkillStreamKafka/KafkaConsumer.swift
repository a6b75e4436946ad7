import CRdKafka
import Foundation
import Logging
import Synchronization

/// Consumes records in a consumer group, with manual offset commits and rebalances that the
/// owner handles before they complete.
///
/// One task owns a consumer and calls ``poll(maxMessages:timeout:)`` in a loop. A batch carries
/// messages and, after them, at most one ``KafkaRebalance``: the owner processes the messages,
/// handles the rebalance (checkpoint and release revoked partitions, restore assigned ones) and
/// calls ``completeRebalance(startingOffsets:)``; the next poll completes it with the committed
/// offsets if the owner did not. Blocking librdkafka calls run on the consumer's own thread, off
/// Swift's cooperative pool. Offsets are never committed automatically.
public final class KafkaConsumer: Sendable {
    /// Properties this consumer sets unless the configuration sets them.
    public static let defaultProperties: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "auto.offset.reset": "earliest",
    ]

    private let client: RDKafkaClient
    private let scratch: PollScratch
    private let pending = Mutex<KafkaRebalance?>(nil)
    private let closed = Atomic<Bool>(false)
    /// Where each partition was assigned or sought to start (real or logical offsets), for lag
    /// before the partition's first record.
    private let startingOffsets = Mutex<[KafkaTopicPartition: Int64]>([:])
    private let logger: Logger

    /// Creates a member of `groupID`; throws `invalidConfiguration` for an unknown property or
    /// invalid value and `runtimeTooOld` when the loaded librdkafka is older than 2.2.
    public init(configuration: KafkaConfiguration, groupID: String, logger: Logger) throws {
        var properties = configuration.withDefaults(Self.defaultProperties)
        properties["group.id"] = groupID
        client = try RDKafkaClient(kind: .consumer, properties: properties, context: RDKafkaCallbackContext(logger: logger))
        scratch = PollScratch()
        self.logger = logger
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            client.context.isClosing = true
            completePendingRebalance(startingOffsets: [:])
            client.releaseConsumerQueue()
            rd_kafka_consumer_close(client.handle)
        }
    }

    /// Joins the group for these topics; partitions arrive as an `assigned` rebalance.
    public func subscribe(topics: [String]) throws {
        let list = RDKafkaPartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: -1) })  // -1: all partitions
        let error = rd_kafka_subscribe(client.handle, list.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .consumerOperationFailed, error, context: "subscribe to \(topics)")
        }
    }

    /// Reads these partitions from the given offsets without joining the group (for topics
    /// every replica reads in full); offsets may be ``KafkaOffset`` values. Fetches the topics'
    /// metadata first, so that reading starts at once.
    public func assign(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration = .seconds(10)) async throws {
        let client = self.client
        try await client.runBlocking {
            _ = try client.describeTopics(Array(Set(offsets.map(\.topicPartition.topic))), timeout: timeout)
            let list = RDKafkaPartitionList(offsets)
            let error = rd_kafka_assign(client.handle, list.pointer)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(code: .consumerOperationFailed, error, context: "assign \(offsets)")
            }
        }
        rememberStartingOffsets(offsets, replacingAll: true)
    }

    /// The partitions of a topic, from the cluster's metadata; throws when it does not exist.
    public func partitions(of topic: String, timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition] {
        let client = self.client
        return try await client.runBlocking {
            try client.describeTopics([topic], timeout: timeout)[0].partitions.map { KafkaTopicPartition(topic: topic, partition: $0.id) }
        }
    }

    /// Waits up to `timeout` for up to `maxMessages` records. Completes, with committed
    /// offsets, a rebalance the owner left uncompleted. Throws only for fatal client errors.
    public func poll(maxMessages: Int = 10_000, timeout: Duration = .milliseconds(100)) async throws -> KafkaConsumerBatch {
        precondition(maxMessages > 0, "maxMessages must be positive")
        guard !closed.load(ordering: .acquiring) else { throw KafkaError(code: .closed, message: "consumer is closed") }
        // A rebalance the owner left uncompleted completes now; a failed completion stays pending
        // and is retried by the next poll.
        let completionError = completePendingRebalance(startingOffsets: [:]).error
        let client = self.client
        let scratch = self.scratch
        let messages = try await client.runBlocking {
            guard let queue = client.consumerQueue else { throw KafkaError(code: .closed, message: "consumer is closed") }
            return scratch.consume(queue: queue, maxMessages: maxMessages, timeoutMilliseconds: timeout.milliseconds)
        }
        try client.checkFatal()
        let (rebalance, errors) = client.context.drain()
        if let rebalance {
            pending.withLock { $0 = rebalance }
            logger.info(
                "Kafka rebalance", metadata: ["kafka.rebalance": .string(rebalance.kind.rawValue), "kafka.partitions": .string("\(rebalance.partitions)")])
        }
        return KafkaConsumerBatch(
            messages: messages.messages, rebalance: rebalance ?? pending.withLock { $0 },
            errors: (completionError.map { [$0] } ?? []) + errors + messages.errors)
    }

    /// Completes the rebalance returned by the last poll. For assigned partitions,
    /// `startingOffsets` gives where to resume (e.g. offsets restored from a checkpoint);
    /// partitions without one resume from the group's committed offset.
    public func completeRebalance(startingOffsets: [KafkaTopicPartition: Int64] = [:]) throws {
        if let error = completePendingRebalance(startingOffsets: startingOffsets).error { throw error }
    }

    /// Hands librdkafka the pending assignment change, if there is one.
    @discardableResult
    private func completePendingRebalance(startingOffsets: [KafkaTopicPartition: Int64]) -> (completed: Bool, error: KafkaError?) {
        guard let rebalance = pending.withLock({ $0 }) else { return (false, nil) }
        let list = RDKafkaPartitionList(
            rebalance.partitions.map {
                KafkaTopicPartitionOffset(topicPartition: $0, offset: startingOffsets[$0] ?? KafkaOffset.committed)
            })
        if rebalance.kind != .lost {  // a lost assignment was already dropped by librdkafka
            let error = RDKafkaCallbacks.applyRebalance(
                client.handle, kind: rebalance.kind, list: list.pointer, incremental: rebalance.isIncremental, logger: logger)
            if let error { return (false, error) }  // kept pending, retried by the next poll
        }
        pending.withLock { $0 = nil }
        switch rebalance.kind {
        case .assigned:
            rememberStartingOffsets(list.entries.map(\.offset), replacingAll: !rebalance.isIncremental)
        case .revoked, .lost:
            self.startingOffsets.withLock { offsets in
                if rebalance.isIncremental { for partition in rebalance.partitions { offsets[partition] = nil } } else { offsets = [:] }
            }
        }
        return (true, nil)
    }

    private func rememberStartingOffsets(_ offsets: [KafkaTopicPartitionOffset], replacingAll: Bool) {
        self.startingOffsets.withLock { starting in
            if replacingAll { starting = [:] }
            for entry in offsets { starting[entry.topicPartition] = entry.offset }
        }
    }

    /// How records are committed.
    public enum CommitMode: Sendable {
        /// Waits for the broker's answer and throws its error.
        case sync
        /// Returns at once; a failure is reported in the `errors` of a later batch.
        case async
    }

    /// Commits the next offsets to consume (last processed + 1) for these partitions.
    public func commit(_ offsets: [KafkaTopicPartitionOffset], mode: CommitMode = .sync) async throws {
        guard !offsets.isEmpty else { return }
        let client = self.client
        switch mode {
        case .async:
            let list = RDKafkaPartitionList(offsets)
            let error = rd_kafka_commit(client.handle, list.pointer, 1)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .commitFailed, error, context: "commit \(offsets)") }
        case .sync:
            try await client.runBlocking {
                let list = RDKafkaPartitionList(offsets)
                // A temporary queue with its own (no-op) callback: the result is returned here and not
                // reported again through offset_commit_cb, which is for asynchronous commits.
                let error = rd_kafka_commit_queue(client.handle, list.pointer, nil, { _, _, _, _ in }, nil)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .commitFailed, error, context: "commit \(offsets)") }
                if let partitionError = list.firstError(code: .commitFailed, context: "commit") { throw partitionError }
            }
        }
    }

    /// The group's committed offsets for these partitions (`nil` where none is committed).
    public func committedOffsets(for partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64?] {
        let client = self.client
        return try await client.runBlocking {
            let list = RDKafkaPartitionList(partitions)
            let error = rd_kafka_committed(client.handle, list.pointer, timeout.milliseconds)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .offsetQueryFailed, error, context: "committed offsets") }
            if let partitionError = list.firstError(code: .offsetQueryFailed, context: "committed offset of") { throw partitionError }
            return Dictionary(list.entries.map { ($0.offset.topicPartition, RDKafkaOffset.real($0.offset.offset)) }) { first, _ in first }
        }
    }

    /// Moves the read position of assigned partitions; the next poll returns records from there.
    public func seek(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration = .seconds(10)) async throws {
        let client = self.client
        try await client.runBlocking {
            let list = RDKafkaPartitionList(offsets)
            if let error = rd_kafka_seek_partitions(client.handle, list.pointer, timeout.milliseconds) {
                throw KafkaError(code: .consumerOperationFailed, consuming: error, context: "seek \(offsets)")
            }
            if let partitionError = list.firstError(code: .consumerOperationFailed, context: "seek") { throw partitionError }
        }
        rememberStartingOffsets(offsets, replacingAll: false)
    }

    /// Stops fetching from these partitions (e.g. while a downstream store is unavailable);
    /// the assignment and position are kept.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaPartitionList(partitions)
        let error = rd_kafka_pause_partitions(client.handle, list.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .consumerOperationFailed, error, context: "pause") }
        if let partitionError = list.firstError(code: .consumerOperationFailed, context: "pause") { throw partitionError }
    }

    /// Resumes fetching from paused partitions.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaPartitionList(partitions)
        let error = rd_kafka_resume_partitions(client.handle, list.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .consumerOperationFailed, error, context: "resume") }
        if let partitionError = list.firstError(code: .consumerOperationFailed, context: "resume") { throw partitionError }
    }

    /// The partitions currently assigned to this consumer, sorted.
    public func assignment() throws -> [KafkaTopicPartition] {
        var pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let error = rd_kafka_assignment(client.handle, &pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let pointer else {
            throw KafkaError(code: .consumerOperationFailed, error, context: "assignment")
        }
        return RDKafkaPartitionList(taking: pointer).entries.map(\.offset.topicPartition).sorted()
    }

    /// Lag per assigned partition: the high watermark from the latest fetch response minus the
    /// next offset this consumer will hand out. Before the first record of a partition that is
    /// the offset it was assigned or sought to, else the group's committed offset (one broker
    /// round trip), else the log start. Watermarks come from librdkafka's cache, not ListOffsets.
    public func lag(timeout: Duration = .seconds(10)) async throws -> [KafkaPartitionLag] {
        var lags = try localLag(for: try assignment())
        let requested = startingOffsets.withLock { $0 }
        let unknown = lags.filter { $0.position == nil && requested[$0.topicPartition] != KafkaOffset.beginning }.map(\.topicPartition)
        if !unknown.isEmpty {
            let committed = try await committedOffsets(for: unknown, timeout: timeout)
            for index in lags.indices where lags[index].position == nil {
                lags[index].position = committed[lags[index].topicPartition] ?? cachedWatermarks(lags[index].topicPartition).low
            }
        }
        return lags
    }

    /// Lag of these partitions from what this client knows without asking the broker: the
    /// cached high watermark, and the position (last handed out + 1, else where the partition
    /// was assigned or sought to start, else the low watermark when it starts at the beginning);
    /// either is nil when not known yet.
    public func localLag(for partitions: [KafkaTopicPartition]) throws -> [KafkaPartitionLag] {
        let positions = RDKafkaPartitionList(partitions)
        let error = rd_kafka_position(client.handle, positions.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .offsetQueryFailed, error, context: "position") }
        let requested = startingOffsets.withLock { $0 }
        return positions.entries.map { entry in
            let partition = entry.offset.topicPartition
            let watermarks = cachedWatermarks(partition)
            let position =
                RDKafkaOffset.real(entry.offset.offset) ?? requested[partition].flatMap(RDKafkaOffset.real)
                ?? (requested[partition] == KafkaOffset.beginning ? watermarks.low : nil)
            return KafkaPartitionLag(topicPartition: partition, highWatermark: watermarks.high, position: position)
        }
    }

    /// A partition's log start and high watermark as the latest fetch response from it said,
    /// without asking the broker; either is nil before the first fetch.
    public func cachedWatermarks(_ partition: KafkaTopicPartition) -> (low: Int64?, high: Int64?) {
        var low: Int64 = RDKafkaOffset.invalid
        var high: Int64 = RDKafkaOffset.invalid
        _ = rd_kafka_get_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high)
        return (RDKafkaOffset.real(low), RDKafkaOffset.real(high))
    }

    /// The latest statistics librdkafka emitted (enable with `statistics.interval.ms`).
    public func statistics() throws -> KafkaStatistics? {
        try client.context.latestStatisticsJSON.map { try KafkaStatistics(json: $0) }
    }

    /// Leaves the group and closes the consumer. Commit processed offsets before: the final
    /// revocation is completed without returning to the owner.
    public func close() async throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        client.context.isClosing = true
        completePendingRebalance(startingOffsets: [:])
        let client = self.client
        let error = try await client.runBlocking {
            client.releaseConsumerQueue()  // librdkafka: destroy the queue before closing
            return rd_kafka_consumer_close(client.handle)
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: .consumerOperationFailed, error, context: "close") }
    }
}

/// Logical offsets for ``KafkaConsumer/assign(_:)`` and ``KafkaConsumer/completeRebalance(startingOffsets:)``.
public enum KafkaOffset {
    /// The oldest retained record.
    public static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    /// Only records produced from now on.
    public static let end = Int64(RD_KAFKA_OFFSET_END)
    /// The group's committed offset (or `auto.offset.reset` without one).
    public static let committed = Int64(RD_KAFKA_OFFSET_INVALID)
}

/// The reusable message-pointer buffer and topic-name cache of one consumer's batch calls.
///
/// `@unchecked Sendable`: used only on the consumer's blocking queue, one call at a time.
final class PollScratch: @unchecked Sendable {
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var capacity: Int
    private var topicNames: [(handle: OpaquePointer, namePointer: UnsafePointer<CChar>, name: String)] = []

    init() {
        capacity = 0
        buffer = UnsafeMutablePointer.allocate(capacity: 0)
    }

    deinit { buffer.deallocate() }

    func consume(queue: OpaquePointer, maxMessages: Int, timeoutMilliseconds: Int32) -> (messages: [KafkaConsumerMessage], errors: [KafkaError]) {
        if capacity < maxMessages {
            buffer.deallocate()
            buffer = UnsafeMutablePointer.allocate(capacity: maxMessages)
            capacity = maxMessages
        }
        let count = rd_kafka_consume_batch_queue(queue, Int32(timeoutMilliseconds), buffer, maxMessages)
        guard count > 0 else { return ([], []) }
        var messages: [KafkaConsumerMessage] = []
        messages.reserveCapacity(count)
        var errors: [KafkaError] = []
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            defer { rd_kafka_message_destroy(message) }
            let record = message.pointee
            guard record.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                if record.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    errors.append(KafkaError(code: .consumerOperationFailed, record.err, context: "consume"))
                }
                continue
            }
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(message, &timestampType)
            messages.append(
                KafkaConsumerMessage(
                    topicPartition: KafkaTopicPartition(topic: topicName(record.rkt), partition: record.partition),
                    offset: record.offset,
                    key: record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) },
                    value: record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) },
                    headers: Self.headers(of: message),
                    timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
        }
        return (messages, errors)
    }

    /// The topic's name, cached per handle and name pointer (so a reused address cannot return
    /// another topic's name).
    private func topicName(_ handle: OpaquePointer?) -> String {
        guard let handle, let namePointer = rd_kafka_topic_name(handle) else { return "" }
        if let cached = topicNames.first(where: { $0.handle == handle && $0.namePointer == namePointer }) { return cached.name }
        let name = String(cString: namePointer)
        topicNames.removeAll { $0.handle == handle }
        topicNames.append((handle, namePointer, name))
        return name
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            result.append(
                KafkaHeader(
                    name: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return result
    }
}
