import SkillStreamDomain
import SkillStreamKafka
import SkillStreamOutbox
import SkillStreamScoring

/// What a partition's processing produced since its last checkpoint, to be written with it.
public struct CheckpointChanges: Sendable {
    /// Each alert's latest version, how many versions came, and when the first of them was
    /// decided (the opening time, when the alert opened since the last checkpoint), by alert id.
    public var alerts: [String: (alert: GapAlert, versions: Int, firstAt: EventTime)] = [:]
    public var recommendations: [TrainingRecommendation] = []
    public var assessments: [StaffAssessment] = []
    /// The employment of each staff member an HR event (hire, role change, departure) changed,
    /// as it stands after the last of them.
    public var employment: [PartitionState.StaffKey: StaffEmployment] = [:]
    public var outbox: [OutboxRecord] = []
    public var processed = 0
    /// The Kafka timestamp of each input record processed, milliseconds (for the latency metric).
    public var recordTimestamps: [Int64] = []
    /// The order the engine was given these records in (what a restore replays).
    public var log = ProcessingLog()

    public var isEmpty: Bool { processed == 0 && outbox.isEmpty && employment.isEmpty }
}

/// A staff member's employment as the HR events left it: what the API's staff lists filter on.
public struct StaffEmployment: Sendable, Hashable {
    public var role: Role?
    public var hiredAt: EventTime?
    /// The departure, unless a later hire undid it.
    public var leftAt: EventTime?

    /// The employment the engine's state holds for a staff member.
    init(_ member: StaffState) {
        role = member.role
        hiredAt = member.hiredAt
        leftAt = member.terminatedAt
    }
}

/// Everything a replica keeps for one input partition number: the engine (all the state, for
/// the restaurants whose events land in this partition of every input topic), the merge that
/// orders the co-partitioned topics, the next input offsets, and the changes since the last
/// checkpoint. Owned by the processor's task.
public final class PartitionTask {
    public let partition: Int32
    public let engine: SkillEngine
    public let topics: ContractTopics
    /// Input topics in merge rank order.
    public let inputTopics: [String]
    var merge: CoPartitionedMerge<KafkaConsumerMessage>
    /// The next offset to process in each input topic (what the checkpoint records).
    public private(set) var nextOffsets: [String: Int64]
    /// Each input topic's high watermark as last fetched (for the lag the API shows).
    var highWatermarks: [String: Int64] = [:]
    /// The next offset of each reference-topic partition already applied to the engine.
    public private(set) var referenceOffsets: [KafkaTopicPartition: Int64]
    /// The fencing epoch under which this replica owns the partition.
    public let ownerEpoch: Int64
    public private(set) var changes = CheckpointChanges()
    /// Per input topic (by rank): the Kafka timestamp of the newest record fetched and of the
    /// last one processed, milliseconds (how far behind the partition is, in time).
    private(set) var newestFetched: [Int64?]
    private(set) var lastProcessed: [Int64?]
    /// Outcomes since ``takeOutcomeCounts()``, by topic.
    private var outcomeCounts: [String: [ProcessorMetrics.Outcome: Int]] = [:]
    /// Records given to the engine since its last full snapshot was taken (replayed ones included).
    public private(set) var recordsSinceSnapshot = 0
    /// When the last full snapshot was taken (or the task made).
    public private(set) var lastSnapshotAt = ContinuousClock.now
    /// While restoring: the logged order still to replay, where it must end, and the reference
    /// records that came meanwhile (applied once the replay is done).
    private var replay: (entries: [ProcessingLog.Entry], next: Int, until: [String: Int64])?
    private var deferredReferences: [KafkaConsumerMessage] = []

    public init(
        partition: Int32, engine: SkillEngine, topics: ContractTopics, nextOffsets: [String: Int64], referenceOffsets: [KafkaTopicPartition: Int64],
        ownerEpoch: Int64, maximumIdleMilliseconds: Int64
    ) {
        self.partition = partition
        self.engine = engine
        self.topics = topics
        inputTopics = topics.inputs
        self.nextOffsets = nextOffsets
        self.referenceOffsets = referenceOffsets
        self.ownerEpoch = ownerEpoch
        merge = CoPartitionedMerge(topics: topics.inputs.count, maximumIdleMilliseconds: maximumIdleMilliseconds)
        newestFetched = Array(repeating: nil, count: topics.inputs.count)
        lastProcessed = Array(repeating: nil, count: topics.inputs.count)
        engine.keepsAssessments = true
        recordKnownDepartures()
    }

    /// Puts every departure the restored engine holds into the changes, so that the next
    /// checkpoint writes them: departures applied before the employment table existed (or
    /// replayed from the log) reach it too. Idempotent upserts, and few rows (turnover). After a
    /// replay, the entries taken before it are refreshed (someone may have come back since).
    private func recordKnownDepartures() {
        for key in changes.employment.keys { changes.employment[key] = engine.state.staff[key].map { StaffEmployment($0) } }
        for (key, member) in engine.state.staff where member.terminatedAt != nil { changes.employment[key] = StaffEmployment(member) }
    }

    /// Buffers a consumed input record for the merge.
    public func append(_ message: KafkaConsumerMessage) {
        guard let rank = inputTopics.firstIndex(of: message.topicPartition.topic) else { return }
        if let timestamp = message.timestampMilliseconds { newestFetched[rank] = max(newestFetched[rank] ?? timestamp, timestamp) }
        merge.append(message, topic: rank, timestamp: message.timestampMilliseconds ?? 0, offset: message.offset)
    }

    public var buffered: Int { merge.bufferedCount }

    /// Records buffered for one input topic.
    public func buffered(topic: String) -> Int { inputTopics.firstIndex(of: topic).map { merge.bufferedCount(topic: $0) } ?? 0 }

    /// True while the task replays its log to the state of the last checkpoint.
    public var isReplaying: Bool { replay != nil }

    /// Makes the task reach the state of the last checkpoint before it goes on: the engine came
    /// from the last full snapshot (and ``nextOffsets`` are that snapshot's), `log` is what it was
    /// given since, in order, and `until` the checkpoint's next offsets. The records come from the
    /// input topics again; their outputs are not produced again (they were committed).
    public func startReplay(_ log: ProcessingLog, until: [String: Int64]) throws {
        guard !log.isEmpty else { return }
        replay = (try log.entries(), 0, until)
        recordsSinceSnapshot = log.count
    }

    /// Takes the next full snapshot: the engine's bytes, and the log starts anew.
    public func takeSnapshot() -> [UInt8] {
        recordsSinceSnapshot = 0
        lastSnapshotAt = .now
        return engine.snapshot()
    }

    /// Replays buffered records in the logged order; returns how many. Ends the replay (and
    /// applies the reference records deferred meanwhile) once the log is done.
    private func replayBuffered() throws -> Int {
        guard var state = replay else { return 0 }
        var count = 0
        while state.next < state.entries.count {
            switch state.entries[state.next] {
            case .input(let rank):
                guard let message = merge.takeFirst(topic: rank) else {
                    replay = state
                    return count
                }
                _ = feedInput(message, rank: rank)
            case .reference(let message):
                if isNewReference(message), message.value != nil { _ = feed(message) }
            }
            state.next += 1
            count += 1
        }
        replay = nil
        _ = engine.takeAssessments()  // written by the checkpoints that made them
        recordKnownDepartures()
        for topic in state.until.keys where nextOffsets[topic] != state.until[topic] {
            throw ProcessorError(
                "partition \(partition): the replayed log ends at \(topic) offset \(nextOffsets[topic] ?? -1), not at the checkpoint's \(state.until[topic]!)")
        }
        let deferred = deferredReferences
        deferredReferences = []
        for message in deferred { applyReference(message) }
        return count
    }

    /// Processes buffered records in merge order while the order is decided; returns how many.
    /// `position(topic)` says where the consumer stands in that topic's partition.
    /// While replaying, the logged order is followed instead (those records are not counted in
    /// the result nor in the checkpoint's changes).
    public func drain(now: Int64, limit: Int = .max, position: (String) -> CoPartitionedMerge<KafkaConsumerMessage>.Position) throws -> Int {
        if replay != nil {
            _ = try replayBuffered()
            if replay != nil { return 0 }
        }
        var count = 0
        while count < limit, let (message, rank) = merge.next(now: now, position: { position(inputTopics[$0]) }) {
            record(feedInput(message, rank: rank), message)
            changes.processed += 1
            changes.log.recordInput(rank: rank)
            recordsSinceSnapshot += 1
            if let timestamp = message.timestampMilliseconds { changes.recordTimestamps.append(timestamp) }
            count += 1
        }
        return count
    }

    /// Seconds between the newest record fetched from an input topic (by rank) and the last one
    /// processed, by their Kafka timestamps; 0 when either is unknown.
    public func secondsBehind(topic rank: Int) -> Double {
        guard let newest = newestFetched[rank], let processed = lastProcessed[rank] else { return 0 }
        return Double(max(0, newest - processed)) / 1_000
    }

    /// Applies a reference record (restaurants, training programs) the engine has not seen yet.
    /// While replaying it waits until the replay is done.
    public func applyReference(_ message: KafkaConsumerMessage) {
        guard replay == nil else {
            deferredReferences.append(message)
            return
        }
        guard isNewReference(message) else { return }
        changes.log.recordReference(message)
        recordsSinceSnapshot += 1
        guard message.value != nil else { return }  // a tombstone: nothing to apply
        record(feed(message), message)
        changes.processed += 1
    }

    /// Whether the engine has not had this reference record yet; if so, it counts as had.
    private func isNewReference(_ message: KafkaConsumerMessage) -> Bool {
        guard message.offset >= referenceOffsets[message.topicPartition] ?? 0 else { return false }
        referenceOffsets[message.topicPartition] = message.offset + 1
        return true
    }

    /// Gives the engine an input record (of the topic of this rank), live or replayed.
    private func feedInput(_ message: KafkaConsumerMessage, rank: Int) -> EngineStep {
        nextOffsets[message.topicPartition.topic] = message.offset + 1
        if let timestamp = message.timestampMilliseconds { lastProcessed[rank] = timestamp }
        return feed(message)
    }

    /// The engine's step for a record. A tombstone on an input topic is not an event: it goes to
    /// the dead letters as empty.
    private func feed(_ message: KafkaConsumerMessage) -> EngineStep {
        engine.process(message.value ?? [], key: message.key.map { String(decoding: $0, as: UTF8.self) }, receivedAt: Self.receivedAt(message))
    }

    private func record(_ step: EngineStep, _ message: KafkaConsumerMessage) {
        countOutcome(step.outcome, topic: message.topicPartition.topic)
        if case .deadLetter(let rejection) = step.outcome {
            changes.outbox.append(
                OutboxRecord(
                    topic: topics.deadLetter, key: message.key, value: message.value ?? [], headers: Self.deadLetterHeaders(rejection, message),
                    sourceTimestamp: message.timestampMilliseconds))
        }
        if case .processed(.staffEvent(let hr), _) = step.outcome, [.hired, .roleChanged, .terminated].contains(hr.type) {
            let key = PartitionState.StaffKey(restaurantID: hr.header.restaurantID, staffID: hr.staffID)
            if let member = engine.state.staff[key] { changes.employment[key] = StaffEmployment(member) }
        }
        for alert in step.alerts {
            let earlier = changes.alerts[alert.alertID]
            changes.alerts[alert.alertID] = (alert, (earlier?.versions ?? 0) + 1, earlier?.firstAt ?? alert.detectedAt)
            changes.outbox.append(
                OutboxRecord(
                    topic: topics.gapAlerts, key: Array(alert.restaurantID.utf8), value: alert.encoded(), headers: [],
                    sourceTimestamp: message.timestampMilliseconds))
        }
        for recommendation in step.recommendations {
            changes.recommendations.append(recommendation)
            changes.outbox.append(
                OutboxRecord(
                    topic: topics.trainingRecommendations, key: Array(recommendation.restaurantID.utf8), value: recommendation.encoded(), headers: [],
                    sourceTimestamp: message.timestampMilliseconds))
        }
    }

    private func countOutcome(_ outcome: ProcessingOutcome, topic: String) {
        func add(_ counted: ProcessorMetrics.Outcome) { outcomeCounts[topic, default: [:]][counted, default: 0] += 1 }
        switch outcome {
        case .processed(_, let notes):
            add(.processed)
            if notes.contains(.imputedSatisfaction) { add(.imputed) }
            if notes.contains(.late) { add(.late) }
        case .duplicate: add(.duplicate)
        case .deadLetter: add(.deadLettered)
        }
    }

    /// The outcomes counted since the last call, by topic; counting starts anew.
    public func takeOutcomeCounts() -> [String: [ProcessorMetrics.Outcome: Int]] {
        defer { outcomeCounts = [:] }
        return outcomeCounts
    }

    /// The changes since the last checkpoint, with the assessments made meanwhile; the task
    /// starts collecting anew.
    public func takeChanges() -> CheckpointChanges {
        var taken = changes
        taken.assessments += engine.takeAssessments()
        changes = CheckpointChanges()
        return taken
    }

    /// Puts back changes whose checkpoint failed, before anything collected since.
    public func restoreChanges(_ earlier: CheckpointChanges) {
        var merged = earlier
        for (id, entry) in changes.alerts {
            let before = earlier.alerts[id]
            merged.alerts[id] = (entry.alert, (before?.versions ?? 0) + entry.versions, before?.firstAt ?? entry.firstAt)
        }
        merged.recommendations += changes.recommendations
        merged.assessments += changes.assessments
        merged.employment.merge(changes.employment) { $1 }
        merged.outbox += changes.outbox
        merged.processed += changes.processed
        merged.recordTimestamps += changes.recordTimestamps
        merged.log.append(changes.log)
        changes = merged
    }

    static func receivedAt(_ message: KafkaConsumerMessage) -> EventTime? {
        message.timestampMilliseconds.map { EventTime(millisecondsSinceEpoch: $0) }
    }

    /// The dead-letter headers of the contract (Schemas/events/skillstream.dead_letter.headers.schema.json).
    static func deadLetterHeaders(_ rejection: Rejection, _ message: KafkaConsumerMessage) -> [KafkaHeader] {
        var headers = [
            KafkaHeader(name: "reason", string: rejection.reason.rawValue),
            KafkaHeader(name: "message", string: rejection.message),
            KafkaHeader(name: "source_topic", string: message.topicPartition.topic),
            KafkaHeader(name: "source_partition", string: String(message.topicPartition.partition)),
            KafkaHeader(name: "source_offset", string: String(message.offset)),
        ]
        if let field = rejection.field { headers.append(KafkaHeader(name: "field", string: field)) }
        return headers
    }
}
