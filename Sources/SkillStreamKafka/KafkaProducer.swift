import CRdKafka
import Foundation
import Logging
import Synchronization

/// Produces keyed records with headers to Kafka and reports what became of each one.
///
/// Idempotent by default (`enable.idempotence=true`: no duplicates or reordering from retries),
/// so every acknowledged record is written exactly once per send. When librdkafka's local queue
/// is full, sending waits (back-pressure) instead of dropping. A dedicated thread serves
/// delivery reports. Call ``shutdown(timeout:)`` before releasing the producer so that queued
/// records are flushed; records still undelivered then are reported as failed, never lost silently.
public final class KafkaProducer: Sendable {
    /// Properties this producer sets unless the configuration sets them.
    public static let defaultProperties: [String: String] = [
        "enable.idempotence": "true",
        "linger.ms": "5",
        // The Java client's partitioner: a key lands on the same partition whichever client
        // produced it, so a restaurant's events share a partition number across topics.
        "partitioner": "murmur2_random",
    ]

    private let client: RDKafkaClient
    private let topics: RDKafkaTopicHandles
    private let pollLoop: RDKafkaPollLoop
    private let logger: Logger
    /// Set by ``shutdown(timeout:)``: later sends fail at once instead of waiting for reports
    /// that no thread would serve.
    private let isShutDown = Atomic<Bool>(false)

    /// Creates a producer; throws `invalidConfiguration` for an unknown property or invalid value
    /// and `runtimeTooOld` when the loaded librdkafka is older than 2.2.
    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        let context = RDKafkaCallbackContext(logger: logger)
        client = try RDKafkaClient(kind: .producer, properties: configuration.withDefaults(Self.defaultProperties), context: context)
        topics = RDKafkaTopicHandles(client: client)
        pollLoop = RDKafkaPollLoop(client: client)
        self.logger = logger
        pollLoop.start()
    }

    deinit {
        pollLoop.stop()
        let remaining = rd_kafka_flush(client.handle, 10_000)
        if remaining != RD_KAFKA_RESP_ERR_NO_ERROR { Self.purge(client) }
        topics.destroyAll()
    }

    /// Sends one record and waits for the broker's acknowledgement; throws the delivery error.
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaTopicPartitionOffset {
        try await send([message])[0].outcome.get()
    }

    /// Sends records in order and waits until each has a delivery report, returned in the same
    /// order. A record that could not even be enqueued has a failed report; none is dropped.
    ///
    /// Cancelling the calling task abandons the wait: every record this producer still holds
    /// (this call's and any other's) is purged and reported as failed at once, although the
    /// broker may have written some of them. For a caller that must not wait out
    /// `message.timeout.ms` on a broker that does not answer, and sends again later.
    public func send(_ messages: [KafkaProducerMessage]) async -> [KafkaDeliveryReport] {
        guard !messages.isEmpty else { return [] }
        let batch = KafkaDeliveryBatch(topics: messages.map(\.topic))
        let client = self.client
        return await withTaskCancellationHandler {
            for (index, message) in messages.enumerated() {
                let ticket = Unmanaged.passRetained(KafkaDeliveryTicket(batch: batch, index: index))
                do {
                    guard !Task.isCancelled else { throw KafkaError(code: .closed, message: "sending was cancelled before this record was enqueued") }
                    try await enqueue(message, opaque: ticket.toOpaque())
                } catch {
                    ticket.release()
                    batch.record(index: index, .failure(error as? KafkaError ?? KafkaError(code: .messageDeliveryFailed, message: "\(error)")))
                }
            }
            // Cancelled while enqueueing: a record enqueued as the purge ran escaped it.
            if Task.isCancelled { Self.purge(client, waiting: false) }
            return await batch.reports()
        } onCancel: {
            Self.purge(client, waiting: false)
        }
    }

    /// Waits until every queued record has been delivered or has failed.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let client = self.client
        let result = try await client.runBlocking { rd_kafka_flush(client.handle, timeout.milliseconds) }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: .timedOut, result, context: "flush did not finish within \(timeout)")
        }
    }

    /// Flushes, then stops serving delivery reports. Records not delivered within `timeout` are
    /// purged and reported as failed to their senders.
    public func shutdown(timeout: Duration = .seconds(30)) async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.error("Kafka producer flush incomplete at shutdown; purging", metadata: ["kafka.error": "\(error)"])
            let client = self.client
            _ = try? await client.runBlocking { Self.purge(client) }
        }
        pollLoop.stop()
    }

    /// Fails every queued and in-flight record. `waiting`: also serves their reports here (at
    /// shutdown); otherwise the poll thread serves them and this returns at once.
    private static func purge(_ client: RDKafkaClient, waiting: Bool = true) {
        guard waiting else {
            _ = rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING))
            return
        }
        _ = rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        _ = rd_kafka_flush(client.handle, 1_000)
    }

    private func enqueue(_ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer) async throws {
        let topic = try topics.handle(for: message.topic)
        while true {
            guard !isShutDown.load(ordering: .acquiring) else {
                throw KafkaError(code: .closed, message: "the producer is shut down")
            }
            let error = Self.produce(client.handle, topic: topic, message: message, opaque: opaque)
            guard let error else { return }
            let code = rd_kafka_error_code(error)
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_error_destroy(error)
                try client.checkFatal()
                // Back-pressure: the poll thread drains delivery reports meanwhile.
                try await Task.sleep(for: .milliseconds(1))
                continue
            }
            var refusal = KafkaError(code: .messageDeliveryFailed, consuming: error, context: "could not enqueue record for \(message.topic)")
            refusal.refusedBeforeSending = true
            throw refusal
        }
    }

    /// One `rd_kafka_produceva` call, its argument list on the stack; returns librdkafka's
    /// error object, if any.
    private static func produce(
        _ handle: OpaquePointer, topic: OpaquePointer, message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer
    ) -> OpaquePointer? {
        RDKafkaHeaderStorage(message.headers).withHeaderValues { headers in
            (message.key ?? []).withUnsafeBytes { key in
                (message.value ?? []).withUnsafeBytes { value in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7 + headers.count) { values in
                        var count = 0
                        func add(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                            var entry = rd_kafka_vu_t()
                            entry.vtype = type
                            set(&entry)
                            values.initializeElement(at: count, to: entry)
                            count += 1
                        }
                        add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                        add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = message.partition ?? -1 }
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                        if let timestamp = message.timestampMilliseconds {
                            add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp }
                        }
                        if message.key != nil {
                            add(RD_KAFKA_VTYPE_KEY) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                                $0.u.mem.size = key.count
                            }
                        }
                        if message.value != nil {
                            add(RD_KAFKA_VTYPE_VALUE) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                                $0.u.mem.size = value.count
                            }
                        }
                        for header in headers {
                            add(RD_KAFKA_VTYPE_HEADER) {
                                $0.u.header.name = header.name
                                $0.u.header.val = header.value
                                $0.u.header.size = header.size
                            }
                        }
                        return rd_kafka_produceva(handle, values.baseAddress, count)
                    }
                }
            }
        }
    }
}

/// Header names and values laid out in one buffer with C pointers into it, alive for the
/// duration of one produce call.
struct RDKafkaHeaderStorage {
    struct Pointers {
        var name: UnsafePointer<CChar>
        var value: UnsafeRawPointer?
        var size: Int
    }

    private var bytes: [UInt8] = []
    private var layout: [(name: Int, value: Int?, size: Int)] = []

    init(_ headers: [KafkaHeader]) {
        for header in headers {
            let nameOffset = bytes.count
            bytes.append(contentsOf: header.name.utf8)
            bytes.append(0)
            if let value = header.value {
                layout.append((nameOffset, bytes.count, value.count))
                bytes.append(contentsOf: value)
            } else {
                layout.append((nameOffset, nil, -1))  // -1: a null value
            }
        }
    }

    func withHeaderValues<T>(_ body: ([Pointers]) -> T) -> T {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return body([]) }
            let raw = UnsafeRawPointer(base)
            return body(
                layout.map { entry in
                    Pointers(
                        name: raw.advanced(by: entry.name).assumingMemoryBound(to: CChar.self),
                        value: entry.value.map { raw.advanced(by: $0) },
                        size: entry.size)
                })
        }
    }
}

/// The producer's topic handles, created once per topic and destroyed once, before the client.
///
/// `@unchecked Sendable`: the table is guarded by a mutex; librdkafka topic handles are thread-safe.
final class RDKafkaTopicHandles: @unchecked Sendable {
    private let client: RDKafkaClient
    private let handles = Mutex<[String: OpaquePointer]>([:])

    init(client: RDKafkaClient) {
        self.client = client
    }

    func handle(for topic: String) throws -> OpaquePointer {
        try handles.withLock { handles in
            if let handle = handles[topic] { return handle }
            guard let handle = rd_kafka_topic_new(client.handle, topic, nil) else {
                throw KafkaError(code: .messageDeliveryFailed, rd_kafka_last_error(), context: "topic '\(topic)'")
            }
            handles[topic] = handle
            return handle
        }
    }

    func destroyAll() {
        handles.withLock { handles in
            for handle in handles.values { rd_kafka_topic_destroy(handle) }
            handles = [:]
        }
    }
}

/// A thread that serves a producer's callbacks from its main queue until stopped.
///
/// `@unchecked Sendable`: the queue handle is thread-safe and destroyed once, after the thread
/// has left it.
final class RDKafkaPollLoop: @unchecked Sendable {
    private let client: RDKafkaClient
    private let mainQueue: OpaquePointer
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient) {
        self.client = client
        self.mainQueue = rd_kafka_queue_get_main(client.handle)
    }

    deinit { rd_kafka_queue_destroy(mainQueue) }

    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                _ = rd_kafka_queue_poll_callback(mainQueue, 1_000)
            }
            finished.signal()
        }
        thread.name = "skillstream.kafka.poll"
        thread.start()
    }

    /// Stops the loop and waits for the thread to leave librdkafka; later calls return at once.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_yield(mainQueue)  // wakes the waiting poll
        finished.wait()
    }
}

extension Duration {
    /// Whole milliseconds, clamped to librdkafka's non-negative `int` timeouts.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        guard seconds < Int64(Int32.max) / 1_000 else { return .max }
        return Int32(clamping: max(0, seconds * 1_000 + attoseconds / 1_000_000_000_000_000))
    }
}
