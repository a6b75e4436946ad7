import Logging
import SkillStreamKafka

/// Produces records to Kafka through an idempotent producer, in batches: a batch is sent when
/// it is full and on ``flush()``, and every record's delivery report is checked, so a record
/// the broker did not acknowledge is reported as an error, never dropped quietly.
public final class KafkaSink: EventSink {
    private let producer: KafkaProducer
    private var pending: [KafkaProducerMessage] = []
    private let batchSize: Int
    /// Put before every contract topic name (a deployment's namespace, e.g. `prod.`).
    private let topicPrefix: String
    public private(set) var recordsPerTopic: [String: Int] = [:]

    public init(producer: KafkaProducer, batchSize: Int = 10_000, topicPrefix: String = "") {
        self.producer = producer
        self.batchSize = batchSize
        self.topicPrefix = topicPrefix
    }

    public func write(_ record: OutgoingRecord) async throws(PublishingError) {
        pending.append(
            KafkaProducerMessage(
                topic: topicPrefix + record.topic, key: record.key.map { Array($0.utf8) }, value: record.value, timestampMilliseconds: record.timestampMilliseconds))
        if pending.count >= batchSize { try await flush() }
    }

    public func flush() async throws(PublishingError) {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        let reports = await producer.send(batch)
        var failures: [String: Int] = [:]
        var firstError: KafkaError?
        for report in reports {
            switch report.outcome {
            case .success: recordsPerTopic[report.topic, default: 0] += 1
            case .failure(let error):
                failures[report.topic, default: 0] += 1
                firstError = firstError ?? error
            }
        }
        if let firstError {
            let counts = failures.sorted { $0.key < $1.key }.map { "\($0.value) to \($0.key)" }.joined(separator: ", ")
            throw PublishingError("the broker did not store \(counts): \(firstError)")
        }
    }
}
