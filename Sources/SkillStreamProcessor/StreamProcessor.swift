import Foundation
import Logging
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamLearning
import SkillStreamOutbox
import SkillStreamPostgres
import SkillStreamScoring
import Synchronization

/// How `skillstream process` runs.
public struct ProcessorConfiguration: Sendable {
    /// For every Kafka client (brokers, TLS, SASL, …).
    public var kafka: KafkaConfiguration
    /// Set on the consumers only (session timeout, fetch sizes, …).
    public var consumerProperties: [String: String] = [:]
    public var group = "skillstream-processor"
    /// The topics: inputs co-partitioned by restaurant (the same partition count; the merge
    /// ranks them in order), reference topics read in full by every replica and applied to
    /// every partition's engine, and the outputs.
    public var topics = ContractTopics()
    /// A checkpoint is written at most this long after the first change it holds…
    public var checkpointInterval: Duration = .seconds(1)
    /// … or as soon as this many records were processed since the last one.
    public var checkpointRecords = 50_000
    /// A checkpoint writes a partition's whole engine when this long passed since its last full
    /// snapshot, or this many records were given to it since; in between it writes the order of
    /// the records (``ProcessingLog``), and a restore replays at most that much.
    public var snapshotInterval: Duration = .seconds(30)
    public var snapshotRecords = 100_000
    /// Records buffered for the merge from one input partition above which fetching it pauses
    /// (it resumes below half): memory stays bounded when one topic runs far ahead of another.
    public var maximumBufferedRecords = 20_000
    /// How long the merge waits for a topic it knows nothing of (``CoPartitionedMerge``).
    public var maximumIdleMilliseconds: Int64 = 2_000
    /// The default training catalog, which `ref.training-programs` extends or replaces.
    public var defaultPrograms: [TrainingProgramReference] = []
    /// Stop (gracefully) once everything assigned was read to its end and published, and
    /// nothing came for this long; nil: run until signalled.
    public var exitWhenIdle: Duration?
    /// How often ``StreamProcessor/onProgress`` is called; nil: never.
    public var progressInterval: Duration?
    /// How long a stop may take, from the request (or, for ``exitWhenIdle``, from the start of
    /// the shutdown): the publication under way and the shutdown's own get half of it, then
    /// committing to Kafka and leaving the group the rest. A broker that does not answer gets
    /// no more (what is unpublished stays in the outbox for the next owner), so that a SIGTERM
    /// ends within 10 s even during a broker outage. A last checkpoint that has not ended three
    /// quarters into it (PostgreSQL not answering) is abandoned (``PostgresStopDeadline``); a
    /// stop for ``exitWhenIdle`` does not bound it.
    public var stopBudget: Duration = .seconds(8)

    public init(kafka: KafkaConfiguration) {
        self.kafka = kafka
    }
}

/// Where a running processor stands, for progress displays.
public struct ProcessorProgress: Sendable {
    public var processed: Int
    /// Records per second since the previous report.
    public var recordsPerSecond: Double
    /// Records in the assigned input partitions not processed yet (nil before the first fetch).
    public var lag: Int64?
    public var openGaps: Int
    public var partitions: [Int32]
}

/// What a processor's run did.
public struct ProcessorStatistics: Sendable, Codable {
    public var processed = 0
    public var checkpoints = 0
    public var published = 0
    public var rebalances = 0
    public var checkpointedRecords = 0
    /// Seconds from the first assignment to the end of the last checkpoint that committed
    /// records, and the records committed per second over it (input topics to committed state).
    public var processingSeconds: Double?
    public var recordsPerSecond: Double?
}

/// Why the processor refuses to start or stops.
public struct ProcessorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A flag one task or signal handler raises and another reads: a request to stop, the end of
/// a background write. Whoever must act at once, rather than at its next look, registers a
/// handler that runs at every raise.
public final class AtomicFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    private let handlers = Mutex<[@Sendable () -> Void]>([])
    public init() {}
    public func raise() {
        raised.store(true, ordering: .releasing)
        for handler in handlers.withLock({ $0 }) { handler() }
    }
    public var isRaised: Bool { raised.load(ordering: .acquiring) }
    /// Runs `handler` on the raising thread each time the flag is raised.
    public func onRaise(_ handler: @escaping @Sendable () -> Void) { handlers.withLock { $0.append(handler) } }
}

/// The outbox publication under way, which a stop request bounds: a send waiting on a broker
/// that does not answer is abandoned (its records stay in the outbox) instead of holding the
/// stop up for `message.timeout.ms`. One that is merely busy gets a grace period first, so that
/// a stop on a healthy broker does not purge records it was about to acknowledge (they would be
/// sent twice). A second request cancels at once.
final class PublicationInFlight: Sendable {
    private struct State {
        var task: Task<Outbox.Publication, Never>?
        var stopRequests = 0
        /// When the first stop was requested.
        var stoppedAt: ContinuousClock.Instant?
        /// From when a publication is cancelled.
        var cancelFrom: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// How long a publication under way at a stop may go on.
    let grace: Duration

    init(grace: Duration) { self.grace = grace }

    /// When the first stop was requested, if one was.
    var stoppedAt: ContinuousClock.Instant? { state.withLock { $0.stoppedAt } }

    func begin(_ publication: Task<Outbox.Publication, Never>) {
        let overdue = state.withLock { state in
            state.task = publication
            return state.cancelFrom.map { ContinuousClock.now >= $0 } ?? false
        }
        if overdue { publication.cancel() }
    }

    func end() { state.withLock { $0.task = nil } }

    func stopRequested() {
        let (task, atOnce) = state.withLock { state in
            state.stopRequests += 1
            let now = ContinuousClock.now
            state.stoppedAt = state.stoppedAt ?? now
            state.cancelFrom = state.stopRequests == 1 ? now + grace : now
            return (state.task, state.stopRequests > 1)
        }
        if atOnce {
            task?.cancel()
        } else {
            Task { [self] in
                try? await Task.sleep(for: grace)
                state.withLock { $0.task }?.cancel()
            }
        }
    }
}

/// How long a stop waits for PostgreSQL: if the last checkpoint has not ended within `wait` of
/// the first stop request (PostgreSQL not answering), ``passed`` is raised, every wait on
/// PostgreSQL the processor runs through ``bounding(_:)`` ends at once, and `interrupt` makes
/// the calls under way fail and refuses later ones. The processor then begins no other
/// checkpoint and commits no offsets to Kafka: the stop goes on to Kafka within its budget, and
/// the next owner resumes from what PostgreSQL holds.
final class PostgresStopDeadline: Sendable {
    /// Thrown by ``bounding(_:)`` when the deadline passes first: the work may still end either
    /// way (a checkpoint's COMMIT may land), so its outcome is unknown.
    struct Abandoned: Error, CustomStringConvertible {
        var description: String { "abandoned at the stop's deadline for PostgreSQL" }
    }

    private struct State {
        var armed = false
        var ended = false
        var nextWaiter = 0
        /// What ends each wait in ``bounding(_:)`` under way.
        var waiters: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())
    let passed = AtomicFlag()

    func stopRequested(wait: Duration, interrupt: @escaping @Sendable () -> Void) {
        let first = state.withLock { state in
            defer { state.armed = true }
            return !state.armed
        }
        guard first else { return }
        Task { [self] in
            try? await Task.sleep(for: wait)
            let waiters: [@Sendable () -> Void]? = state.withLock { state in
                guard !state.ended else { return nil }
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            guard let waiters else { return }
            passed.raise()
            for end in waiters { end() }
            interrupt()
        }
    }

    /// The last checkpoint ended (either way) in time.
    func ended() { state.withLock { $0.ended = true } }

    /// `work`'s outcome, or ``Abandoned`` as soon as the deadline has passed: a call libpq cannot
    /// be interrupted in (opening a session waits for `connect_timeout`) goes on unawaited.
    func bounding<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>? = await withCheckedContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let waiter: Int? = state.withLock { state in
                guard !passed.isRaised else { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = { answer.resume(returning: nil) }
                return state.nextWaiter
            }
            guard let waiter else { return answer.resume(returning: nil) }
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                state.withLock { _ = $0.waiters.removeValue(forKey: waiter) }
                answer.resume(returning: result)
            }
        }
        guard let outcome else { throw Abandoned() }
        return try outcome.get()
    }
}

/// `skillstream process`: consumes the input topics in a consumer group, runs each partition's
/// engine, and checkpoints state, outputs and input offsets to PostgreSQL in one transaction;
/// publishes the outputs from the outbox afterwards and commits the offsets to Kafka too (so
/// the group's lag is visible to every Kafka tool). See the README for the guarantees.
public final class StreamProcessor {
    let configuration: ProcessorConfiguration
    let store: CheckpointStore
    let outbox: Outbox
    let logger: Logger
    /// Raised by ``stop()`` or whoever holds it (signal handlers, a failing HTTP server).
    public let stopRequest = AtomicFlag()
    private let clock = ContinuousClock()
    private let began: ContinuousClock.Instant

    private var consumer: KafkaConsumer!
    private var references: KafkaConsumer!
    private var producer: KafkaProducer!
    /// Every reference record read so far, in the order read (compacted topics: small).
    private var referenceRecords: [KafkaConsumerMessage] = []
    /// How many of them the restaurants and training_programs tables reflect (-1: not even the defaults).
    private var referenceRecordsSaved = -1
    private var tasks: [Int32: PartitionTask] = [:]
    /// When the last checkpoint began: the next begins one interval later, when there is something to write.
    private var lastCheckpointBegan: ContinuousClock.Instant?
    private var lastActivity: ContinuousClock.Instant
    /// Set while PostgreSQL refuses checkpoints: consumption is paused until one succeeds.
    private var checkpointBackoff: (until: ContinuousClock.Instant, delay: Duration)?
    /// Set while the broker refuses outputs: the outbox is tried again when it ends.
    private var publishBackoff: (until: ContinuousClock.Instant, delay: Duration)?
    private let publishing: PublicationInFlight
    private let postgresDeadline = PostgresStopDeadline()
    /// Input partitions paused because the merge holds too many of their records.
    private var heldBack = Set<KafkaTopicPartition>()
    /// The checkpoint being written in the background, if any (at most one at a time).
    private var writing: CheckpointWrite?

    /// A checkpoint's transaction in flight: what it took from the tasks, and the write (which
    /// returns how long the transaction took and raises `finished` when it ends either way).
    private struct CheckpointWrite {
        var taken: [(task: PartitionTask, changes: CheckpointChanges)]
        var checkpoints: [PartitionCheckpoint]
        var write: Task<Duration, any Error>
        var finished: AtomicFlag
    }

    /// The instruments operators read on `/metrics`.
    public let metrics = ProcessorMetrics()
    /// What `/readyz` and `/healthz` report.
    public let health = ProcessorHealth()
    /// When the sampled gauges (lag, state size) were last refreshed, and the models' quality.
    private var lastGaugeRefresh: ContinuousClock.Instant?
    private var lastModelQualityRefresh: ContinuousClock.Instant?

    /// Called every ``ProcessorConfiguration/progressInterval`` on the processor's task.
    public var onProgress: ((ProcessorProgress) -> Void)?
    private var lastProgress: (at: ContinuousClock.Instant, processed: Int)?

    /// What the run did, for the log and the command's summary.
    public private(set) var statistics = ProcessorStatistics()
    /// When the first partitions were assigned and restored, and when the last checkpoint that
    /// committed processed records ended: the span the throughput is measured over.
    private var processingSpan: (from: ContinuousClock.Instant, to: ContinuousClock.Instant)?

    public init(configuration: ProcessorConfiguration, store: CheckpointStore, logger: Logger) {
        self.configuration = configuration
        self.store = store
        outbox = Outbox(client: store.client, group: store.group)
        self.logger = logger
        began = clock.now
        lastActivity = clock.now
        publishing = PublicationInFlight(grace: configuration.stopBudget / 2)
        let wait = configuration.stopBudget * 3 / 4
        stopRequest.onRaise { [publishing, postgresDeadline, client = store.client, logger] in
            publishing.stopRequested()
            postgresDeadline.stopRequested(wait: wait) {
                logger.warning(
                    "Stopping: the last checkpoint has not ended within \(wait) of the stop (PostgreSQL not answering); it is abandoned and PostgreSQL's calls interrupted, and the next owner resumes from what PostgreSQL holds")
                client.interruptAndClose()
            }
        }
    }

    /// Properties the processor's producer sets unless the configuration does. A record not
    /// acknowledged within 30 s fails and stays in the outbox, to be sent again after a
    /// backoff: the loop keeps turning (probes, group membership) through a broker outage
    /// instead of waiting librdkafka's default 5 minutes for one send.
    static let producerDefaults = ["message.timeout.ms": "30000"]
    /// Names librdkafka accepts for the same property: one set by the configuration under any of
    /// them wins over the default.
    static let producerAliases = ["message.timeout.ms": ["delivery.timeout.ms"]]

    /// Asks the run loop to finish: it checkpoints, publishes, commits, leaves the group and returns.
    public func stop() { stopRequest.raise() }

    public func run() async throws {
        var kafka = configuration.kafka
        kafka.properties.merge(configuration.consumerProperties) { $1 }
        // Range assignment gives one member the same partition number of every input topic.
        kafka.properties["partition.assignment.strategy"] = kafka.properties["partition.assignment.strategy"] ?? "range"
        consumer = try KafkaConsumer(configuration: kafka, groupID: configuration.group, logger: logger)
        references = try KafkaConsumer(configuration: kafka, groupID: configuration.group + ".references", logger: logger)
        var producing = configuration.kafka
        for (name, value) in Self.producerDefaults where ([name] + Self.producerAliases[name, default: []]).allSatisfy({ producing.properties[$0] == nil }) {
            producing.properties[name] = value
        }
        producer = try KafkaProducer(configuration: producing, logger: logger)
        try await checkCoPartitioning()
        try await readReferencesToEnd()
        try consumer.subscribe(topics: configuration.topics.inputs)
        logger.info("Processor started", metadata: ["group": .string(configuration.group), "inputs": .string("\(configuration.topics.inputs)")])
        while !stopRequest.isRaised {
            do {
                try await step()
            } catch is StopRequested {
                break  // asked to stop while waiting for PostgreSQL to claim a partition
            }
            try refreshGauges()
            try reportProgress()
            if let idle = configuration.exitWhenIdle, clock.now - lastActivity >= idle, try await isCaughtUp() { break }
        }
        try await shutdown()
    }

    /// Once a second: every owned input partition's lag (messages after the last processed
    /// one, and how far behind the newest fetched record that is in time) and state sizes, and
    /// every ``ProcessorMetrics/modelQualityInterval`` the models' prequential quality; and the
    /// loop's heartbeat for `/healthz`.
    private func refreshGauges() throws {
        let replaying = tasks.values.contains { $0.isReplaying }
        health.update {
            $0.lastLoopMilliseconds = Self.wallClockMilliseconds()
            $0.replaying = replaying
        }
        let now = clock.now
        guard lastGaugeRefresh.map({ now - $0 >= .seconds(1) }) ?? true else { return }
        lastGaugeRefresh = now
        let modelQuality = lastModelQualityRefresh.map { now - $0 >= ProcessorMetrics.modelQualityInterval } ?? true
        if modelQuality { lastModelQualityRefresh = now }
        for task in tasks.values {
            let partitions = task.inputTopics.map { KafkaTopicPartition(topic: $0, partition: task.partition) }
            for (rank, lag) in try consumer.localLag(for: partitions).enumerated() {
                guard let high = lag.highWatermark, let next = task.nextOffsets[lag.topicPartition.topic] ?? lag.position else { continue }
                task.highWatermarks[lag.topicPartition.topic] = high
                let messages = max(0, high - next)
                metrics.lag(lag.topicPartition, messages: messages, seconds: messages > 0 ? task.secondsBehind(topic: rank) : 0)
            }
            metrics.state(of: task, modelQuality: modelQuality)
        }
    }

    /// Milliseconds since the epoch, by the wall clock (metrics and probes compare with Kafka timestamps).
    public static func wallClockMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000).rounded()) }

    private func reportProgress() throws {
        guard let interval = configuration.progressInterval, let onProgress else { return }
        let now = clock.now
        guard let last = lastProgress else {
            lastProgress = (now, statistics.processed)
            return
        }
        guard now - last.at >= interval else { return }
        let lags = try consumer.localLag(for: try consumer.assignment()).map(\.lag)
        onProgress(
            ProcessorProgress(
                processed: statistics.processed, recordsPerSecond: Double(statistics.processed - last.processed) / ((now - last.at) / .seconds(1)),
                lag: lags.contains(nil) ? nil : lags.reduce(0) { $0 + $1! }, openGaps: tasks.values.reduce(0) { $0 + $1.engine.openGaps },
                partitions: tasks.keys.sorted()))
        lastProgress = (now, statistics.processed)
    }

    /// The input topics must exist with one partition count: a restaurant's events then land in
    /// the same partition number of each, which is what a partition's engine owns. Missing
    /// topics are waited for (a deployment may start the processor first), saying so.
    func checkCoPartitioning() async throws {
        var counts: [String: Int] = [:]
        var lastWarning: ContinuousClock.Instant?
        while counts.count < configuration.topics.inputs.count {
            for topic in configuration.topics.inputs where counts[topic] == nil {
                do {
                    counts[topic] = try await consumer.partitions(of: topic).count
                } catch {
                    if lastWarning.map({ clock.now - $0 >= .seconds(10) }) ?? true {
                        logger.warning("Waiting for input topic \(topic) (\(error)); create the topics with `skillstream topics create`")
                        lastWarning = clock.now
                    }
                }
            }
            guard counts.count < configuration.topics.inputs.count else { break }
            guard !stopRequest.isRaised else { throw ProcessorError("stopped while waiting for the input topics") }
            try await Task.sleep(for: .milliseconds(500))
        }
        guard Set(counts.values).count == 1, let count = counts.values.first else {
            let listed = counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            throw ProcessorError(
                "the input topics must be co-partitioned (the same partition count, keyed by restaurant_id), but they have \(listed); recreate them with one count")
        }
        // The outputs, if missing, with the inputs' partition count.
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        _ = try await admin.createTopics(configuration.topics.specifications(partitions: Int32(count), including: configuration.topics.outputs))
    }

    // MARK: - Reference topics

    private func readReferencesToEnd() async throws {
        var partitions: [KafkaTopicPartitionOffset] = []
        for topic in configuration.topics.references {
            for partition in (try? await references.partitions(of: topic)) ?? [] {
                partitions.append(KafkaTopicPartitionOffset(topicPartition: partition, offset: KafkaOffset.beginning))
            }
        }
        guard !partitions.isEmpty else { return }
        try await references.assign(partitions)
        let deadline = clock.now + .seconds(30)
        defer {
            // What was there at start is applied to new engines in one fixed order.
            referenceRecords.sort(by: Self.logOrder)
        }
        while clock.now < deadline, !stopRequest.isRaised {
            _ = try await pollReferences(timeout: .milliseconds(100))
            let lags = try references.localLag(for: partitions.map(\.topicPartition))
            if lags.allSatisfy({ $0.highWatermark != nil && $0.lag == 0 }) { return }
        }
        if !stopRequest.isRaised { logger.warning("Reference topics not read to their end within 30 s; going on with what arrived") }
    }

    /// New reference records, applied to every partition's engine. A batch is applied in a fixed
    /// order (topic, partition, offset), not in the order the fetches happened to return them:
    /// otherwise two runs over the same log could build their dedupe tables in different orders.
    private func pollReferences(timeout: Duration) async throws -> Int {
        let batch = try await references.poll(maxMessages: 1_000, timeout: timeout).messages.sorted(by: Self.logOrder)
        referenceRecords += batch
        for task in tasks.values {
            for message in batch { task.applyReference(message) }
        }
        return batch.count
    }

    /// Records by topic, partition and offset.
    static func logOrder(_ lhs: KafkaConsumerMessage, _ rhs: KafkaConsumerMessage) -> Bool {
        (lhs.topicPartition.topic, lhs.topicPartition.partition, lhs.offset) < (rhs.topicPartition.topic, rhs.topicPartition.partition, rhs.offset)
    }

    // MARK: - The loop

    private func step() async throws {
        if let backoff = checkpointBackoff {
            // PostgreSQL is refusing checkpoints: consumption is paused; keep the group membership
            // alive and retry when the backoff is over. A rebalance meanwhile is taken as always
            // (a revoked partition's unsaved work is dropped: its next owner restores what
            // PostgreSQL holds and reads on from there), and a record that was fetched before the
            // pause is kept for its partition.
            let batch = try await consumer.poll(maxMessages: 1, timeout: .milliseconds(100))
            for message in batch.messages { tasks[message.topicPartition.partition]?.append(message) }
            if let rebalance = batch.rebalance { try await handle(rebalance) }
            guard clock.now >= backoff.until else { return }
            try await checkpoint(force: true)
            return
        }
        if writing?.finished.isRaised == true { try await finishCheckpoint() }
        let batch = try await consumer.poll(maxMessages: 5_000, timeout: .milliseconds(50))
        for error in batch.errors { logger.warning("Kafka: \(error)") }
        for message in batch.messages { tasks[message.topicPartition.partition]?.append(message) }
        if !batch.messages.isEmpty { lastActivity = clock.now }
        if try await pollReferences(timeout: .zero) > 0 { lastActivity = clock.now }
        // Process what the merge can order, checkpointing whenever one is due: a checkpoint
        // never holds more than `checkpointRecords` records.
        while !stopRequest.isRaised {
            if writing?.finished.isRaised == true { try await finishCheckpoint() }
            let pendingRecords = tasks.values.reduce(0) { $0 + $1.changes.processed }
            let processed = try drainTasks(limit: max(1, configuration.checkpointRecords - pendingRecords))
            for task in tasks.values { metrics.count(task.takeOutcomeCounts()) }
            statistics.processed += processed
            let pending = pendingRecords + processed
            // Any change is due, with records or without (the departures a restored partition
            // writes), and so is an overdue snapshot.
            if tasks.values.contains(where: hasWork),
                pending >= configuration.checkpointRecords || lastCheckpointBegan.map({ clock.now - $0 >= configuration.checkpointInterval }) ?? true
            {
                try await beginCheckpoint(force: false)
                if checkpointBackoff != nil { break }
            }
            if processed == 0 || tasks.values.allSatisfy({ $0.buffered == 0 }) { break }
        }
        try holdBackFullBuffers()
        await publishOutbox()
        if let rebalance = batch.rebalance { try await handle(rebalance) }
    }

    /// Pauses fetching an input partition while the merge holds ``ProcessorConfiguration/maximumBufferedRecords``
    /// of its records, and resumes it below half that.
    private func holdBackFullBuffers() throws {
        guard checkpointBackoff == nil else { return }  // everything is paused meanwhile
        var pause: [KafkaTopicPartition] = []
        var resume: [KafkaTopicPartition] = []
        for task in tasks.values {
            for topic in task.inputTopics {
                let partition = KafkaTopicPartition(topic: topic, partition: task.partition)
                let buffered = task.buffered(topic: topic)
                if buffered >= configuration.maximumBufferedRecords, heldBack.insert(partition).inserted { pause.append(partition) }
                if buffered < configuration.maximumBufferedRecords / 2, heldBack.remove(partition) != nil { resume.append(partition) }
            }
        }
        heldBack = heldBack.filter { tasks[$0.partition] != nil }
        if !pause.isEmpty { try consumer.pause(pause) }
        if !resume.isEmpty { try consumer.resume(resume) }
    }

    /// Runs up to `limit` records through the tasks, each in its merge order.
    private func drainTasks(limit: Int) throws -> Int {
        let now = Int64((clock.now - began) / .milliseconds(1))
        var processed = 0
        // A replaying task may have reference records to replay with no input buffered.
        for task in tasks.values.sorted(by: { $0.partition < $1.partition }) where task.buffered > 0 || task.isReplaying {
            guard processed < limit else { break }
            let partitions = configuration.topics.inputs.map { KafkaTopicPartition(topic: $0, partition: task.partition) }
            let lags = Dictionary(uniqueKeysWithValues: try consumer.localLag(for: partitions).map { ($0.topicPartition.topic, $0) })
            let replaying = task.isReplaying
            processed += try task.drain(now: now, limit: limit - processed) { topic in
                guard let lag = lags[topic], let high = lag.highWatermark, let position = lag.position else { return .unknown }
                return position >= high ? .atEnd : .behind
            }
            if replaying && !task.isReplaying { logger.info("Partition \(task.partition): replayed to its last checkpoint; processing goes on") }
        }
        return processed
    }

    /// A checkpoint written and finished before returning (rebalances, shutdown, retries);
    /// `snapshotAll`: every partition with records since its last full snapshot gets one.
    private func checkpoint(force: Bool, snapshotAll: Bool = false) async throws {
        try await beginCheckpoint(force: force, snapshotAll: snapshotAll)
        try await finishCheckpoint()
    }

    /// Whether a partition has something to write: changes, or records its snapshot does not hold
    /// while that snapshot is overdue. A partition gone quiet after a checkpoint that only logged
    /// its order is snapshotted all the same, so that restoring it never needs input the topic's
    /// retention may have deleted by then.
    private func hasWork(_ task: PartitionTask) -> Bool {
        !task.changes.isEmpty || (task.recordsSinceSnapshot > 0 && clock.now - task.lastSnapshotAt >= configuration.snapshotInterval)
    }

    /// Takes every changed partition's state, outputs and next offsets and starts writing them in
    /// one PostgreSQL transaction in the background, so that processing goes on while the
    /// database writes (the write waits on PostgreSQL, not on this core). The checkpoint still
    /// being written, if any, is finished first: one at a time, in order.
    ///
    /// A partition still replaying to its last checkpoint writes nothing: its state in PostgreSQL
    /// is still the truth.
    private func beginCheckpoint(force: Bool, snapshotAll: Bool = false) async throws {
        try await finishCheckpoint()
        guard checkpointBackoff == nil || force, !postgresDeadline.passed.isRaised else { return }
        let dirty = tasks.values.filter { task in
            !task.isReplaying && (hasWork(task) || force || (snapshotAll && task.recordsSinceSnapshot > 0))
        }.sorted { $0.partition < $1.partition }
        guard !dirty.isEmpty else { return }
        try await saveReferencesIfChanged(engine: dirty[0].engine)
        // Whole engines are megabytes: at most one partition's per checkpoint (the most overdue),
        // so that no checkpoint takes much longer than the others.
        let snapshotted: Set<Int32> =
            snapshotAll
            ? Set(dirty.map(\.partition))
            : Set(
                dirty.filter { $0.recordsSinceSnapshot >= configuration.snapshotRecords || clock.now - $0.lastSnapshotAt >= configuration.snapshotInterval }
                    .min { $0.lastSnapshotAt < $1.lastSnapshotAt }.map { [$0.partition] } ?? [])
        let taken = dirty.map { (task: $0, changes: $0.takeChanges()) }
        let checkpoints = taken.map { task, changes in
            let snapshot = snapshotted.contains(task.partition)
            return PartitionCheckpoint(
                partition: task.partition, ownerEpoch: task.ownerEpoch, snapshot: snapshot ? task.takeSnapshot() : nil,
                nextOffsets: task.nextOffsets, highWatermarks: task.highWatermarks,
                referenceOffsets: task.referenceOffsets, counters: Self.counters(task.engine.state.counters),
                effects: task.engine.effectiveness.estimates.flatMap { program, skills in
                    skills.map { (programID: program, skill: $0.key, observations: $0.value.observations, sum: $0.value.sum) }
                }, modelQuality: snapshot ? task.engine.models.restaurantQuality() : [], changes: changes)
        }
        let (store, finished, postgresDeadline) = (store, AtomicFlag(), postgresDeadline)
        let write = Task {
            defer { finished.raise() }
            let started = ContinuousClock.now
            try await postgresDeadline.bounding { try await store.save(checkpoints) }
            return .now - started
        }
        writing = CheckpointWrite(taken: taken, checkpoints: checkpoints, write: write, finished: finished)
        lastCheckpointBegan = clock.now
    }

    /// Waits for the checkpoint being written, if any. Committed: its metrics and statistics, and
    /// its offsets committed to Kafka too. Refused by PostgreSQL: its changes go back to their
    /// tasks (before anything processed since), consumption pauses, and the checkpoint is retried
    /// with a growing backoff: nothing is lost or counted twice.
    private func finishCheckpoint() async throws {
        guard let pending = writing else { return }
        writing = nil
        let (taken, checkpoints) = (pending.taken, pending.checkpoints)
        let duration: Duration
        do {
            duration = try await pending.write.value
        } catch let fenced as FencedOut {
            logger.warning("\(fenced); dropping it")
            tasks[fenced.partition] = nil
            for (task, changes) in taken where task.partition != fenced.partition { task.restoreChanges(changes) }
            return
        } catch let abandoned as PostgresStopDeadline.Abandoned {
            // Stopping: PostgreSQL may yet take the checkpoint or not; its partitions are dropped
            // (no offset goes to Kafka), and the next owner resumes from what PostgreSQL holds.
            logger.warning("Checkpoint of partitions \(taken.map(\.task.partition)) \(abandoned)")
            for (task, _) in taken { try await startOver(partition: task.partition) }
            return
        } catch let error as PostgresError where error.code == .transactionOutcomeUnknown {
            // The connection dropped while committing: PostgreSQL may hold the checkpoint or not,
            // and writing it again could apply it twice. Its partitions start over from what
            // PostgreSQL holds, as after a rebalance.
            metrics.checkpointFailed()
            let partitions = taken.map(\.task.partition)
            logger.error("PostgreSQL connection lost while committing a checkpoint; partitions \(partitions) start over from what PostgreSQL holds: \(error)")
            for partition in partitions { try await startOver(partition: partition) }
            return
        } catch {
            for (task, changes) in taken { task.restoreChanges(changes) }
            metrics.checkpointFailed()
            health.update { $0.databaseReachable = false }
            let delay = min((checkpointBackoff?.delay ?? .milliseconds(250)) * 2, .seconds(10))
            if checkpointBackoff == nil { try? consumer.pause(try consumer.assignment()) }
            checkpointBackoff = (clock.now + delay, delay)
            logger.error("PostgreSQL checkpoint failed; consumption paused, retrying in \(delay): \(error)")
            return
        }
        if checkpointBackoff != nil {
            checkpointBackoff = nil
            try? consumer.resume(try consumer.assignment())
            heldBack = []
            logger.info("PostgreSQL checkpoint succeeded again; consumption resumed")
        }
        statistics.checkpoints += 1
        health.update { $0.databaseReachable = true }
        // State bytes written: whole snapshots, or log segments.
        let bytes = checkpoints.reduce(0) { $0 + ($1.snapshot?.count ?? $1.changes.log.bytes.count) }
        metrics.checkpointed(
            duration: duration, bytes: bytes, recordTimestamps: taken.flatMap(\.changes.recordTimestamps),
            committedAtMilliseconds: Self.wallClockMilliseconds())
        let committed = taken.reduce(0) { $0 + $1.changes.processed }
        if committed > 0, let span = processingSpan {
            statistics.checkpointedRecords += committed
            processingSpan = (span.from, clock.now)
            let seconds = (clock.now - span.from) / .seconds(1)
            statistics.processingSeconds = seconds
            statistics.recordsPerSecond = seconds > 0 ? Double(statistics.checkpointedRecords) / seconds : nil
        }
        logger.debug(
            "Checkpoint",
            metadata: [
                "partitions": .string("\(checkpoints.map(\.partition))"), "bytes": .stringConvertible(bytes),
                "snapshots": .string("\(checkpoints.filter { $0.snapshot != nil }.map(\.partition))"),
                "milliseconds": .stringConvertible(Int(duration / .milliseconds(1))),
            ])
        let offsets = checkpoints.flatMap { checkpoint in
            checkpoint.nextOffsets.map { KafkaTopicPartitionOffset(topicPartition: KafkaTopicPartition(topic: $0.key, partition: checkpoint.partition), offset: $0.value) }
        }
        do {
            try await consumer.commit(offsets, mode: .async)
        } catch {
            logger.warning("Kafka offset commit failed (PostgreSQL holds the offsets; the next commit catches up): \(error)")
        }
    }

    /// Writes the restaurants and programs the engines know when reference records came since
    /// the last time (every engine applies every reference record: any one serves). A failure
    /// is retried at the next checkpoint.
    private func saveReferencesIfChanged(engine: SkillEngine) async throws {
        guard referenceRecordsSaved != referenceRecords.count else { return }
        do {
            let (restaurants, programs) = (engine.state.restaurants.values.compactMap(\.reference), engine.programs)
            try await postgresDeadline.bounding { [store] in try await store.saveReferences(restaurants: restaurants, programs: programs) }
            referenceRecordsSaved = referenceRecords.count
        } catch {
            logger.warning("Could not save the reference data (retried at the next checkpoint): \(error)")
        }
    }

    static func counters(_ counters: ProcessingCounters) -> [(name: String, value: Int)] {
        var rows: [(name: String, value: Int)] = [
            ("consumed", counters.consumed), ("processed", counters.processed), ("duplicates", counters.duplicates), ("late", counters.late),
            ("imputed", counters.imputed), ("winsorized", counters.winsorized), ("complaints_from_comments", counters.complaintsFromComments),
            ("labels_joined", counters.labelsJoined), ("visits_expired", counters.visitsExpired),
            ("answered_tables_not_seen", counters.answeredTablesNotSeen), ("dead_lettered", counters.deadLettered),
        ]
        for reason in Rejection.Reason.allCases { rows.append(("dead_lettered:" + reason.rawValue, counters.deadLetteredByReason[reason] ?? 0)) }
        return rows
    }

    /// Publishes what the outbox holds for the partitions this replica owns
    /// (``Outbox/publish(partitions:producer:batch:)`` says what stays); after a refusal the next
    /// round waits a growing backoff, up to 30 s. A stop request bounds a publication under way
    /// (``PublicationInFlight``); `deadline` (the shutdown's) bounds this one too, and the wait
    /// for it ends a second after that even if the send has not.
    private func publishOutbox(deadline: ContinuousClock.Instant? = nil) async {
        guard checkpointBackoff == nil else { return }
        if deadline == nil, let backoff = publishBackoff, clock.now < backoff.until { return }
        let (outbox, producer, partitions) = (self.outbox, self.producer!, tasks.keys.sorted())
        let work = Task { await outbox.publish(partitions: partitions, producer: producer) }
        publishing.begin(work)
        defer { publishing.end() }
        let publication: Outbox.Publication
        if let deadline {
            let timer = Task {
                try? await Task.sleep(until: deadline)
                work.cancel()
            }
            defer { timer.cancel() }
            // A backstop: a record enqueued as the purge ran would hold the wait for message.timeout.ms.
            guard let finished = await Self.value(of: work, by: deadline + .seconds(1)) else {
                logger.warning("Publishing did not end by the shutdown's deadline: what is unpublished stays in the outbox")
                return
            }
            publication = finished
        } else {
            // The outbox is read from PostgreSQL: a stop's deadline for it ends the wait.
            guard let finished = try? await postgresDeadline.bounding({ await work.value }) else { return }
            publication = finished
        }
        if let failure = publication.readFailure {
            health.update { $0.databaseReachable = false }
            logger.warning("Could not read the outbox (retried next round): \(failure)")
        } else {
            health.update { $0.databaseReachable = true }
        }
        if publication.refused > 0 || publication.clearFailure != nil {
            let delay = publishBackoff.map { min($0.delay * 2, .seconds(30)) } ?? .seconds(1)
            publishBackoff = (clock.now + delay, delay)
            if publication.refused > 0 {
                let behind = publication.heldBack > 0 ? " (and \(publication.heldBack) of the same keys behind them)" : ""
                logger.warning(
                    "The broker did not take \(publication.refused) output record(s)\(behind); they stay in the outbox and are sent again in \(delay): \(publication.refusal.map { "\($0)" } ?? "")"
                )
            }
            if let failure = publication.clearFailure {
                logger.warning(
                    "Could not clear or park published outbox rows (they stay, and are published again with the same ids, in \(delay)): \(failure)")
            }
        } else if publication.readFailure == nil, publishBackoff != nil {
            publishBackoff = nil
            logger.info("The broker takes outputs again")
        }
        if publication.parked > 0 {
            logger.error(
                "The producer refuses \(publication.parked) output record(s) for good; they were moved to the outbox_parked table (see Deploy/RUNBOOK.md, Parked outputs): \(publication.parking.map { "\($0)" } ?? "")"
            )
            metrics.parked(publication.parked)
        }
        statistics.published += publication.delivered
        metrics.published(publication.delivered)
    }

    // MARK: - Rebalances

    private func handle(_ rebalance: KafkaRebalance) async throws {
        statistics.rebalances += 1
        metrics.rebalanced(rebalance.kind)
        let numbers = Set(rebalance.partitions.map(\.partition)).sorted()
        defer {
            metrics.assigned(Set(tasks.keys))
            health.update {
                $0.partitions = tasks.keys.sorted()
                $0.restoring = false
            }
        }
        switch rebalance.kind {
        case .revoked:
            let revoked = numbers.filter { tasks[$0] != nil }
            // Checkpoint (whole engines: the next owner restores without replaying) and publish
            // before letting go; the next owner starts exactly here.
            try await checkpoint(force: false, snapshotAll: true)
            await publishOutbox()
            for partition in revoked { tasks[partition] = nil }
            try consumer.completeRebalance()
            if checkpointBackoff != nil {
                logger.warning(
                    "Partitions released without a checkpoint (PostgreSQL unreachable): their next owner resumes from the last one",
                    metadata: ["partitions": .string("\(revoked)")])
            } else {
                logger.info("Partitions released", metadata: ["partitions": .string("\(revoked)")])
            }
        case .lost:
            for partition in numbers { tasks[partition] = nil }
            try consumer.completeRebalance()
            logger.warning("Partitions lost without a checkpoint (another replica owns them)", metadata: ["partitions": .string("\(numbers)")])
        case .assigned:
            health.update { $0.restoring = true }
            var starting: [KafkaTopicPartition: Int64] = [:]
            for partition in numbers where tasks[partition] == nil {
                let task = try await restoreWaitingForPostgres(partition: partition)
                tasks[partition] = task
                starting.merge(startingOffsets(task)) { $1 }
            }
            try consumer.completeRebalance(startingOffsets: starting)
            // While PostgreSQL refuses checkpoints, new partitions wait paused like the others.
            if checkpointBackoff != nil { try? consumer.pause(Array(starting.keys)) }
            if processingSpan == nil { processingSpan = (clock.now, clock.now) }
            logger.info("Partitions assigned and restored", metadata: ["partitions": .string("\(numbers)")])
        }
        lastActivity = clock.now
    }

    /// Where a restored partition's input resumes: after what its state holds, or from the start.
    private func startingOffsets(_ task: PartitionTask) -> [KafkaTopicPartition: Int64] {
        Dictionary(
            uniqueKeysWithValues: configuration.topics.inputs.map {
                (KafkaTopicPartition(topic: $0, partition: task.partition), task.nextOffsets[$0] ?? KafkaOffset.beginning)
            })
    }

    /// Drops an owned partition's task and restores it from PostgreSQL, its input moved back to
    /// where that state ends: what it had not saved is read again.
    private func startOver(partition: Int32) async throws {
        tasks[partition] = nil
        guard !stopRequest.isRaised else { return }  // stopping: what PostgreSQL holds is where the next owner starts
        let task = try await restoreWaitingForPostgres(partition: partition)
        tasks[partition] = task
        try await consumer.seek(startingOffsets(task).map { KafkaTopicPartitionOffset(topicPartition: $0.key, offset: $0.value) })
    }

    /// ``restore(partition:)``, retried with a growing backoff while PostgreSQL is unreachable
    /// (the rebalance waits; the group's max.poll.interval.ms bounds how long), saying so.
    private func restoreWaitingForPostgres(partition: Int32) async throws -> PartitionTask {
        var delay: Duration = .milliseconds(250)
        while true {
            do {
                let task = try await restore(partition: partition)
                health.update { $0.databaseReachable = true }
                return task
            } catch is PostgresStopDeadline.Abandoned {
                throw StopRequested()
            } catch let error as PostgresError {
                guard !stopRequest.isRaised else { throw StopRequested() }
                health.update {
                    $0.databaseReachable = false
                    $0.lastLoopMilliseconds = Self.wallClockMilliseconds()
                }
                logger.error("Cannot claim partition \(partition) in PostgreSQL; retrying in \(delay): \(error)")
                // Woken early by a stop: SIGTERM must not wait out a 10 s backoff.
                let retryAt = clock.now + delay
                while clock.now < retryAt, !stopRequest.isRaised { try await Task.sleep(for: .milliseconds(50)) }
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    /// Claims a partition and rebuilds its engine from the checkpoint (or anew), then applies
    /// the reference records it has not seen.
    private func restore(partition: Int32) async throws -> PartitionTask {
        let claimed = try await postgresDeadline.bounding { [store] in try await store.claim(partition: partition) }
        let engine: SkillEngine
        if let snapshot = claimed.snapshot {
            do {
                engine = try SkillEngine(snapshot: snapshot, defaultPrograms: configuration.defaultPrograms)
            } catch {
                throw ProcessorError("the checkpoint of partition \(partition) cannot be restored (\(error)); see Deploy/RUNBOOK.md on reprocessing")
            }
        } else {
            engine = SkillEngine(defaultPrograms: configuration.defaultPrograms)
        }
        engine.partition = partition
        // From the snapshot's offsets, replaying the logged order up to the checkpoint's.
        let task = PartitionTask(
            partition: partition, engine: engine, topics: configuration.topics, nextOffsets: claimed.snapshot == nil ? [:] : claimed.snapshotOffsets,
            referenceOffsets: claimed.snapshot == nil ? [:] : claimed.referenceOffsets, ownerEpoch: claimed.ownerEpoch,
            maximumIdleMilliseconds: configuration.maximumIdleMilliseconds)
        do {
            try task.startReplay(claimed.log, until: claimed.nextOffsets)
        } catch {
            throw ProcessorError("the processing log of partition \(partition) cannot be read (\(error)); see Deploy/RUNBOOK.md on reprocessing")
        }
        if task.isReplaying { logger.info("Partition \(partition): replaying \(claimed.log.count) records to its last checkpoint") }
        for message in referenceRecords { task.applyReference(message) }
        return task
    }

    // MARK: - Ending

    /// Thrown out of a wait for PostgreSQL when the processor is asked to stop.
    private struct StopRequested: Error {}

    /// Everything assigned read to its end, nothing buffered or unsaved, the outbox empty.
    private func isCaughtUp() async throws -> Bool {
        guard !tasks.isEmpty, checkpointBackoff == nil, writing == nil,
            tasks.values.allSatisfy({ $0.buffered == 0 && $0.changes.isEmpty && !$0.isReplaying })
        else { return false }
        let lags = try consumer.localLag(for: try consumer.assignment())
        guard lags.allSatisfy({ $0.lag == 0 }) else { return false }
        return (try? await outbox.pending(partitions: tasks.keys.sorted(), limit: 1).isEmpty) ?? false
    }

    /// The last checkpoint (PostgreSQL, as always), then within ``ProcessorConfiguration/stopBudget``
    /// of the stop request: publishing the outbox, committing the offsets to Kafka and leaving
    /// the group. What a broker that does not answer keeps from finishing is left to the next
    /// owner: outputs stay in the outbox, and the group notices the departure after its session
    /// timeout.
    private func shutdown() async throws {
        logger.info("Processor stopping: last checkpoint, publishing, leaving the group")
        health.update { $0.stopping = true }
        try await checkpoint(force: false, snapshotAll: true)
        postgresDeadline.ended()
        let origin = publishing.stoppedAt ?? clock.now
        // A slow last checkpoint may have used the publication's half: the outbox then waits
        // for the next owner.
        if clock.now < origin + configuration.stopBudget / 2 { await publishOutbox(deadline: origin + configuration.stopBudget / 2) }
        // Kafka's committed offsets never run ahead of PostgreSQL's: with the last checkpoint
        // refused, the ones committed after the previous checkpoint stand.
        var offsets: [KafkaTopicPartitionOffset] = []
        if postgresDeadline.passed.isRaised {
            logger.warning("The last checkpoint was abandoned: offsets are not committed to Kafka past the checkpoint before it")
        } else if checkpointBackoff == nil {
            offsets = tasks.values.filter { !$0.isReplaying }.flatMap { task in
                task.nextOffsets.map { KafkaTopicPartitionOffset(topicPartition: KafkaTopicPartition(topic: $0.key, partition: task.partition), offset: $0.value) }
            }
        } else {
            logger.warning("PostgreSQL refused the last checkpoint: offsets are not committed to Kafka past the checkpoint before it")
        }
        let (consumer, references, producer) = (self.consumer!, self.references!, self.producer!)
        // Each closed whatever became of the others: one left open would block in its deinit.
        let leaving = Task { () -> [any Error] in
            try? await consumer.commit(offsets, mode: .sync)
            var failures: [any Error] = []
            do { try await consumer.close() } catch { failures.append(error) }
            do { try await references.close() } catch { failures.append(error) }
            await producer.shutdown(timeout: .seconds(1))
            return failures
        }
        // At least a second, so that a healthy broker always sees the replica leave (and the
        // group does not wait out its session timeout).
        guard let failures = await Self.value(of: leaving, by: max(origin + configuration.stopBudget, clock.now + .seconds(1))) else {
            logger.warning(
                "The broker did not answer within the stop's \(configuration.stopBudget): stopping without leaving the group (it rebalances after its session timeout); unpublished outputs stay in the outbox"
            )
            return
        }
        if let failure = failures.first { throw failure }
    }

    /// The task's value, or nil if `deadline` comes first (the task then goes on unawaited).
    static func value<T: Sendable>(of task: Task<T, Never>, by deadline: ContinuousClock.Instant) async -> T? {
        await withCheckedContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let timer = Task {
                try? await Task.sleep(until: deadline)
                answer.resume(returning: nil)
            }
            Task {
                let value = await task.value
                timer.cancel()
                answer.resume(returning: value)
            }
        }
    }
}

/// A continuation that the first of several racers resumes; the others' answers are dropped.
final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T?, Never>?>
    init(_ continuation: CheckedContinuation<T?, Never>) { self.continuation = Mutex(continuation) }
    func resume(returning value: T?) { continuation.withLock { $0.take() }?.resume(returning: value) }
}
