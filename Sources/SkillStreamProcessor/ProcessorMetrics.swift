import Metrics
import SkillStreamKafka
import SkillStreamScoring

/// The processor's instruments for operators, through swift-metrics (whatever backend the
/// process bootstraps; `skillstream process` exposes them in Prometheus' text format on
/// `/metrics`). The names and what they measure are listed in the README's operations section.
/// Used from the processor's task only; the handlers themselves are thread-safe.
public final class ProcessorMetrics {
    /// Buckets for the event-to-output latency and checkpoint durations, seconds: fine around
    /// the default checkpoint interval, where the latency target sits.
    public static let latencyBuckets: [Duration] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 7.5, 10, 30, 60, 120, 300,
    ].map { .milliseconds(Int64($0 * 1_000)) }
    /// How often the models' prequential quality gauges are refreshed: about a Prometheus scrape
    /// interval (refreshing them every second cost 3.5% of the processor's time in the benchmark).
    public static let modelQualityInterval: Duration = .seconds(15)

    /// One counter per topic and outcome, created on first use.
    private var events: [OutcomeKey: Counter] = [:]
    /// Gauges per input partition (lag), dropped when the partition leaves this replica.
    private var partitionGauges: [KafkaTopicPartition: (messages: Gauge, seconds: Gauge)] = [:]
    /// Gauges per partition number (state size, model quality), dropped with the partition.
    private var stateGauges: [Int32: [String: Gauge]] = [:]
    private var rebalances: [KafkaRebalance.Kind: Counter] = [:]
    private let checkpointDuration = Timer(label: "skillstream_checkpoint_duration_seconds")
    private let checkpointBytes = Gauge(label: "skillstream_checkpoint_bytes")
    private let checkpointsTotal = Counter(label: "skillstream_checkpoints_total")
    private let checkpointFailures = Counter(label: "skillstream_checkpoint_failures_total")
    private let lastCheckpoint = Gauge(label: "skillstream_last_checkpoint_timestamp_seconds")
    private let latency = Timer(label: "skillstream_event_to_output_latency_seconds")
    private let published = Counter(label: "skillstream_outputs_published_total")
    /// Outputs the producer refuses for good, moved to `outbox_parked` (an alert rule watches it).
    private let parked = Counter(label: "skillstream_outputs_parked_total")
    private let assignedPartitions = Gauge(label: "skillstream_assigned_partitions")

    public init() {}

    /// What became of a processed record, as counted on `skillstream_events_total`.
    public enum Outcome: String, CaseIterable, Sendable {
        case processed, imputed, late, deadLettered = "dead_lettered", duplicate
    }

    struct OutcomeKey: Hashable {
        var topic: String
        var outcome: Outcome
    }

    /// Adds per-topic outcome counts (a batch's worth: counters are not touched per record).
    func count(_ counts: [String: [Outcome: Int]]) {
        for (topic, outcomes) in counts {
            for (outcome, count) in outcomes where count > 0 {
                let key = OutcomeKey(topic: topic, outcome: outcome)
                let counter = events[key] ?? Counter(label: "skillstream_events_total", dimensions: [("topic", topic), ("outcome", outcome.rawValue)])
                events[key] = counter
                counter.increment(by: count)
            }
        }
    }

    /// A checkpoint committed: its duration, size, and the latency of every record it made
    /// durable (from the record's Kafka timestamp to the end of the transaction).
    func checkpointed(duration: Duration, bytes: Int, recordTimestamps: [Int64], committedAtMilliseconds: Int64) {
        checkpointDuration.recordNanoseconds(Self.nanoseconds(duration))
        checkpointBytes.record(bytes)
        checkpointsTotal.increment()
        lastCheckpoint.record(Double(committedAtMilliseconds) / 1_000)
        for timestamp in recordTimestamps {
            latency.recordMilliseconds(max(0, committedAtMilliseconds - timestamp))
        }
    }

    func checkpointFailed() { checkpointFailures.increment() }

    func published(_ count: Int) { published.increment(by: count) }
    func parked(_ count: Int) { parked.increment(by: count) }

    func rebalanced(_ kind: KafkaRebalance.Kind) {
        let counter = rebalances[kind] ?? Counter(label: "skillstream_rebalances_total", dimensions: [("kind", kind.rawValue)])
        rebalances[kind] = counter
        counter.increment()
    }

    /// The lag of one input partition: messages not processed yet, and seconds between the
    /// newest record fetched and the last one processed (0 when caught up).
    func lag(_ partition: KafkaTopicPartition, messages: Int64, seconds: Double) {
        let gauges =
            partitionGauges[partition]
            ?? (
                Gauge(label: "skillstream_consumer_lag_messages", dimensions: Self.dimensions(partition)),
                Gauge(label: "skillstream_consumer_lag_seconds", dimensions: Self.dimensions(partition))
            )
        partitionGauges[partition] = gauges
        gauges.messages.record(messages)
        gauges.seconds.record(seconds)
    }

    /// A partition's state size and, with `modelQuality`, its models' prequential quality (the
    /// recent windows' ROC AUC sorts every model's scores: the processor asks for it every
    /// ``modelQualityInterval``, not every second).
    func state(of task: PartitionTask, modelQuality: Bool) {
        var gauges = stateGauges[task.partition] ?? [:]
        func set(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
            let key = label + dimensions.map { "|\($0.1)" }.joined()
            let gauge = gauges[key] ?? Gauge(label: label, dimensions: [("partition", String(task.partition))] + dimensions)
            gauges[key] = gauge
            gauge.record(value)
        }
        let engine = task.engine
        set("skillstream_state_staff", [], Double(engine.state.staff.count))
        set("skillstream_state_restaurants", [], Double(engine.state.restaurants.count))
        set("skillstream_state_pending_visits", [], Double(engine.state.pendingVisitCount))
        set("skillstream_state_remembered_visits", [], Double(engine.state.rememberedVisitCount))
        set("skillstream_open_gaps", [], Double(engine.openGaps))
        set("skillstream_merge_buffered_records", [], Double(task.buffered))
        for (target, model, quality) in modelQuality ? engine.models.quality() : [] where quality.overall.count > 0 {
            let recent = quality.recent.metrics
            for (window, logLoss, auc, f1) in [
                ("overall", quality.overall.logLoss, quality.overall.rocAUC, quality.overall.f1), ("recent", recent.logLoss, recent.rocAUC, recent.f1),
            ] {
                let dimensions = [("target", target.name), ("model", model), ("window", window)]
                set("skillstream_model_log_loss", dimensions, logLoss)
                set("skillstream_model_roc_auc", dimensions, auc)
                set("skillstream_model_f1", dimensions, f1)
            }
            set("skillstream_model_examples", [("target", target.name), ("model", model)], quality.overall.count)
        }
        stateGauges[task.partition] = gauges
    }

    /// The partitions this replica owns now; the gauges of the others are removed.
    func assigned(_ partitions: Set<Int32>) {
        assignedPartitions.record(partitions.count)
        for (partition, gauges) in partitionGauges where !partitions.contains(partition.partition) {
            gauges.messages.destroy()
            gauges.seconds.destroy()
            partitionGauges[partition] = nil
        }
        for (partition, gauges) in stateGauges where !partitions.contains(partition) {
            gauges.values.forEach { $0.destroy() }
            stateGauges[partition] = nil
        }
    }

    static func dimensions(_ partition: KafkaTopicPartition) -> [(String, String)] {
        [("topic", partition.topic), ("partition", String(partition.partition))]
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
