import Foundation
import Logging
import Metrics
import SkillStreamKafka
import Synchronization

/// One partition's lag for a consumer group, measured from outside the group: the partition's
/// high watermark minus the group's committed offset (or minus the log start when the group has
/// committed nothing there yet: everything retained is still to be read).
public struct GroupPartitionLag: Sendable, Hashable {
    public var topicPartition: KafkaTopicPartition
    /// The offset the next record produced to the partition will get, from a fetch response.
    public var highWatermark: Int64
    /// `nil` when the group has committed no offset for the partition.
    public var committed: Int64?
    /// Records produced that the group has not committed past.
    public var lag: Int64

    /// The lag from the high watermark, the group's committed offset and the log start;
    /// `nil` while the high watermark is unknown (no fetch response yet).
    public init?(topicPartition: KafkaTopicPartition, highWatermark: Int64?, committed: Int64?, logStart: Int64?) {
        guard let highWatermark else { return nil }
        self.topicPartition = topicPartition
        self.highWatermark = highWatermark
        self.committed = committed
        lag = max(0, highWatermark - (committed ?? logStart ?? 0))
    }
}

/// Reports a consumer group's lag per partition as Prometheus gauges, from outside the group,
/// the way Burrow or kafka-exporter do: the processor's own lag gauges disappear when it stops
/// or crashes, which is exactly when the lag alert must fire.
///
/// It never joins the group and never commits: it reads the group's committed offsets
/// (OffsetFetch) and learns each partition's high watermark from the fetch responses of a
/// consumer assigned to the partitions' tail — not from ListOffsets, which some brokers (Tansu)
/// answer wrongly. The records it fetches are dropped.
///
/// Gauges (labels `group`, `topic`, `partition`): `skillstream_group_lag_messages`,
/// `skillstream_group_committed_offset` (-1 when none), `skillstream_partition_high_watermark`;
/// and `skillstream_group_lag_measured_timestamp_seconds{group}`, the time of the last complete
/// measurement.
public final class GroupLagMonitor: Sendable {
    /// The consumer group watched.
    public let group: String
    /// The topics whose partitions are measured.
    public let topics: [String]
    private let consumer: KafkaConsumer
    private let logger: Logger
    private let latest = Mutex<(lags: [GroupPartitionLag], at: ContinuousClock.Instant)?>(nil)
    private let failure = Mutex<String?>(nil)
    /// How often the topics' partitions are listed again (partitions added later are measured too).
    static let metadataRefresh = Duration.seconds(60)

    /// A monitor of `group` on `topics`; `configuration` names the brokers (and TLS, SASL…).
    public init(configuration: KafkaConfiguration, group: String, topics: [String], logger: Logger) throws {
        var configuration = configuration
        // The group's id only addresses its offsets: no subscription, so no membership, and no commits.
        configuration["enable.auto.commit"] = "false"
        consumer = try KafkaConsumer(configuration: configuration, groupID: group, logger: logger)
        self.group = group
        self.topics = topics
        self.logger = logger
    }

    /// The last complete measurement, sorted by topic and partition; `nil` before the first.
    public var lags: [GroupPartitionLag]? { latest.withLock { $0?.lags } }

    /// Whether the last complete measurement is at most `age` old: the gauges are current.
    public func measured(within age: Duration) -> Bool {
        latest.withLock { $0.map { ContinuousClock.now - $0.at <= age } ?? false }
    }

    /// Why the last measurement failed, if it did.
    public var lastFailure: String? { failure.withLock { $0 } }

    /// Waits for the topics, reads their tails and measures every `interval` until `stop`
    /// returns true; then closes the consumer. The partitions are listed again every minute.
    public func run(interval: Duration, stop: @escaping @Sendable () -> Bool) async throws {
        var partitions = try await waitForPartitions(stop: stop)
        guard !stop() else { return try await consumer.close() }
        try await readTails(of: partitions)
        let clock = ContinuousClock()
        var next = clock.now
        var listed = clock.now
        while !stop() {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(200))
            for error in batch.errors { logger.debug("Kafka: \(error)") }
            guard clock.now >= next else { continue }
            next = clock.now + interval
            do {
                if clock.now - listed >= Self.metadataRefresh {
                    listed = clock.now
                    let current = try await listPartitions()
                    if current != partitions {
                        logger.info("The topics' partitions changed", metadata: ["partitions": "\(current.count)"])
                        partitions = current
                        try await readTails(of: partitions)
                    }
                }
                publish(try await measure(partitions), of: partitions.count)
            } catch {
                failure.withLock { $0 = "\(error)" }
                logger.warning("Could not measure the group's lag; retrying in \(interval)", metadata: ["error": "\(error)"])
            }
        }
        try await consumer.close()
    }

    /// Every partition of the topics, sorted.
    private func listPartitions() async throws -> [KafkaTopicPartition] {
        var partitions: [KafkaTopicPartition] = []
        for topic in topics { partitions += try await consumer.partitions(of: topic) }
        return partitions.sorted()
    }

    /// Reads from the end of each partition: the fetch responses carry its high watermark.
    private func readTails(of partitions: [KafkaTopicPartition]) async throws {
        try await consumer.assign(partitions.map { KafkaTopicPartitionOffset(topicPartition: $0, offset: KafkaOffset.end) })
    }

    private func waitForPartitions(stop: @Sendable () -> Bool) async throws -> [KafkaTopicPartition] {
        while true {
            do {
                return try await listPartitions()
            } catch {
                if stop() { return [] }
                failure.withLock { $0 = "\(error)" }
                logger.warning("Waiting for the topics to exist", metadata: ["topics": "\(topics)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(2))
            }
        }
    }

    private func measure(_ partitions: [KafkaTopicPartition]) async throws -> [GroupPartitionLag] {
        let committed = try await consumer.committedOffsets(for: partitions)
        return partitions.compactMap { partition in
            let watermarks = consumer.cachedWatermarks(partition)
            return GroupPartitionLag(
                topicPartition: partition, highWatermark: watermarks.high, committed: committed[partition] ?? nil, logStart: watermarks.low)
        }
    }

    /// Records the gauges of the partitions measured; the measurement is complete (``lags``,
    /// the timestamp) once every partition has a high watermark, i.e. a fetch response.
    private func publish(_ lags: [GroupPartitionLag], of partitions: Int) {
        for lag in lags {
            let dimensions = [
                ("group", group), ("topic", lag.topicPartition.topic), ("partition", String(lag.topicPartition.partition)),
            ]
            Gauge(label: "skillstream_group_lag_messages", dimensions: dimensions).record(lag.lag)
            Gauge(label: "skillstream_group_committed_offset", dimensions: dimensions).record(lag.committed ?? -1)
            Gauge(label: "skillstream_partition_high_watermark", dimensions: dimensions).record(lag.highWatermark)
        }
        failure.withLock { $0 = nil }
        guard lags.count == partitions else { return }
        latest.withLock { $0 = (lags, ContinuousClock.now) }
        Gauge(label: "skillstream_group_lag_measured_timestamp_seconds", dimensions: [("group", group)]).record(Date().timeIntervalSince1970)
    }
}
