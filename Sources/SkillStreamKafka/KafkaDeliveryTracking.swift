import Synchronization

/// Collects the delivery reports of one ``KafkaProducer/send(_:)-([KafkaProducerMessage])`` call
/// and wakes the sender once every record has one.
final class KafkaDeliveryBatch: Sendable {
    private struct State {
        var reports: [KafkaDeliveryReport?]
        var remaining: Int
        var continuation: CheckedContinuation<[KafkaDeliveryReport], Never>?
    }

    private let topics: [String]
    private let state: Mutex<State>

    init(topics: [String]) {
        self.topics = topics
        self.state = Mutex(State(reports: Array(repeating: nil, count: topics.count), remaining: topics.count))
    }

    func record(index: Int, _ outcome: Result<(partition: Int32, offset: Int64), KafkaError>) {
        let topic = topics[index]
        let report = KafkaDeliveryReport(
            topic: topic,
            outcome: outcome.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: $0.offset) })
        let finished: (CheckedContinuation<[KafkaDeliveryReport], Never>, [KafkaDeliveryReport])? = state.withLock { state in
            precondition(state.reports[index] == nil, "two delivery reports for one record")
            state.reports[index] = report
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.reports.map { $0! })
        }
        if let (continuation, reports) = finished { continuation.resume(returning: reports) }
    }

    /// Waits until every record of the batch has a report.
    func reports() async -> [KafkaDeliveryReport] {
        await withCheckedContinuation { continuation in
            let ready: [KafkaDeliveryReport]? = state.withLock { state in
                if state.remaining == 0 { return state.reports.map { $0! } }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// The per-record opaque pointer librdkafka carries to the delivery callback: retained when the
/// record is enqueued, released exactly once when its report arrives.
final class KafkaDeliveryTicket {
    let batch: KafkaDeliveryBatch
    let index: Int

    init(batch: KafkaDeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }

    func complete(_ outcome: Result<(partition: Int32, offset: Int64), KafkaError>) {
        batch.record(index: index, outcome)
    }
}
