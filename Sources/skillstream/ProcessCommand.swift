import ArgumentParser
import Dispatch
import Foundation
import Logging
import Prometheus
import SkillStreamKafka
import SkillStreamLogging
import SkillStreamMonitoring
import SkillStreamPostgres
import SkillStreamProcessor
import SkillStreamScoring

/// `skillstream process`: the live stream processor (see ``StreamProcessor``).
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Consume the input topics in a consumer group and write profiles, gap alerts and recommendations to PostgreSQL and Kafka.",
        discussion: """
            Each checkpoint writes the partitions' state, their outputs and their next input offsets to PostgreSQL in one \
            transaction; outputs are then published from the outbox, and offsets also committed to Kafka. Stops gracefully \
            (last checkpoint, publish, commit, leave the group) on SIGTERM or SIGINT. Apply the schema first (skillstream migrate).
            """)

    @OptionGroup var servers: ServerOptions
    @Option(help: "Consumer group: replicas of one group share the partitions.") var group = "skillstream-processor"
    @Option(help: "A prefix before every contract topic name (e.g. prod.), as simulate's --topic-prefix.") var topicPrefix = ""
    @Option(help: "Milliseconds between checkpoints (at most; sooner after --checkpoint-records records).") var checkpointIntervalMs = 1_000
    @Option(help: "Records processed that force a checkpoint.") var checkpointRecords = 50_000
    @Option(help: "Milliseconds between full snapshots of a partition's engine (between them, checkpoints log the processing order).")
    var snapshotIntervalMs = 30_000
    @Option(help: "Records given to a partition's engine that make the next checkpoint a full snapshot (what a restore replays at most).")
    var snapshotRecords = 100_000
    @Option(help: "Records of one input partition buffered for the merge above which fetching it pauses (resumes below half).")
    var maxBufferedRecords = 20_000
    @Option(help: "The default training catalog (JSON Lines of ref.training_program.v1).") var catalog = "Schemas/catalog/training-programs.jsonl"
    @Option(help: "Stop once everything was read, checkpointed and published and nothing came for this many seconds (for batch runs and tests).")
    var exitWhenIdle: Double?
    @Option(help: "Kafka property for every client, NAME=VALUE (repeatable), e.g. security.protocol=SSL.") var kafkaProperty: [String] = []
    @Option(help: "Kafka property for the consumers only, NAME=VALUE (repeatable), e.g. session.timeout.ms=10000.") var consumerProperty: [String] = []
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Write the run's statistics (records, checkpoints, records per second from input to committed state) as JSON to this file on exit.")
    var statisticsJSON: String?
    @Flag(help: "Print progress (records/s, lag, open gaps) on standard output every 2 seconds.") var progress = false
    @Option(help: "Language of the progress line: es or en.") var language = "es"
    @Option(help: "Port of the operators' HTTP endpoints: /metrics (Prometheus), /healthz, /readyz; 0 turns them off.")
    var metricsPort = 9464
    @Option(help: "Address the operators' endpoints listen on.") var metricsHost = "0.0.0.0"

    func validate() throws {
        guard (0...65_535).contains(metricsPort) else { throw ValidationError("--metrics-port is 0 (off) to 65535.") }
        guard checkpointIntervalMs > 0, checkpointRecords > 0, snapshotIntervalMs > 0, snapshotRecords > 0, maxBufferedRecords > 1 else {
            throw ValidationError("Checkpoint and snapshot intervals and records must be positive, and --max-buffered-records at least 2.")
        }
        guard ["es", "en"].contains(language) else { throw ValidationError("--language is es or en.") }
        try NamedValues.validate(kafkaProperty, option: "kafka-property")
        try NamedValues.validate(consumerProperty, option: "consumer-property")
    }

    func run() async throws {
        let logger = logging.logger(label: "skillstream.process")
        var configuration = ProcessorConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: try servers.brokersOrEnvironment(), properties: NamedValues.dictionary(kafkaProperty)))
        configuration.consumerProperties = NamedValues.dictionary(consumerProperty)
        configuration.group = group
        configuration.topics = ContractTopics(prefix: topicPrefix)
        configuration.checkpointInterval = .milliseconds(checkpointIntervalMs)
        configuration.checkpointRecords = checkpointRecords
        configuration.snapshotInterval = .milliseconds(snapshotIntervalMs)
        configuration.snapshotRecords = snapshotRecords
        configuration.maximumBufferedRecords = maxBufferedRecords
        configuration.exitWhenIdle = exitWhenIdle.map { .milliseconds(Int64($0 * 1_000)) }
        configuration.defaultPrograms = try TrainingCatalog.programs(jsonLines: Array(try optionFile("--catalog", catalog)))
        let client = PostgresClient(configuration: try servers.postgresConfiguration(), logger: logger)
        if progress { configuration.progressInterval = .seconds(2) }
        // Before the processor makes its instruments, so that they record into the registry.
        let registry = metricsPort > 0 ? Self.bootstrapMetrics() : nil
        let processor = StreamProcessor(configuration: configuration, store: CheckpointStore(client: client, group: group), logger: logger)
        let spanish = language != "en"
        processor.onProgress = { report in
            let lag = report.lag.map { String($0) } ?? "?"
            let line =
                spanish
                ? "procesados \(report.processed) · \(Int(report.recordsPerSecond)) eventos/s · retraso \(lag) · brechas abiertas \(report.openGaps) · particiones \(report.partitions)"
                : "processed \(report.processed) · \(Int(report.recordsPerSecond)) events/s · lag \(lag) · open gaps \(report.openGaps) · partitions \(report.partitions)"
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        let stopRequest = processor.stopRequest
        let signals = onTermination { stopRequest.raise() }
        defer { signals.forEach { $0.cancel() } }
        do {
            try await withThrowingTaskGroup { group in
                let server = registry.map { operatorServer(processor: processor, registry: $0, logger: logger) }
                if let server {
                    group.addTask { [logger] in try await serveOrStop(server, logger: logger) { stopRequest.raise() } }
                }
                try await processor.run()
                await server?.shutdown()
                try await group.waitForAll()
            }
        } catch let error as ProcessorError {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        let statistics = processor.statistics
        if let statisticsJSON {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(statistics).write(to: URL(fileURLWithPath: statisticsJSON))
        }
        logger.info(
            "Processor stopped",
            metadata: [
                "processed": .stringConvertible(statistics.processed), "checkpoints": .stringConvertible(statistics.checkpoints),
                "published": .stringConvertible(statistics.published), "rebalances": .stringConvertible(statistics.rebalances),
            ])
        client.close()
    }

    /// Makes the metrics system record into a Prometheus registry (once per process).
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        OperatorServer.bootstrapMetrics(timerBuckets: [
            "skillstream_event_to_output_latency_seconds": ProcessorMetrics.latencyBuckets,
            "skillstream_checkpoint_duration_seconds": ProcessorMetrics.latencyBuckets,
        ])
    }

    /// `/metrics`, `/healthz` and `/readyz` for this processor.
    func operatorServer(processor: StreamProcessor, registry: PrometheusCollectorRegistry, logger: Logger) -> OperatorServer {
        let health = processor.health
        return OperatorServer(
            host: metricsHost, port: metricsPort, registry: registry, logger: logger,
            liveness: {
                // Alive while the loop turns (a checkpoint or a PostgreSQL retry included).
                let status = health.current
                let silent = Double(StreamProcessor.wallClockMilliseconds() - status.lastLoopMilliseconds) / 1_000
                return HealthReport(
                    healthy: status.lastLoopMilliseconds == 0 || silent < 120, reasons: silent < 120 ? [] : ["the processing loop has not turned for \(Int(silent)) s"])
            },
            readiness: {
                let status = health.current
                return HealthReport(
                    healthy: status.unreadyReasons.isEmpty, reasons: status.unreadyReasons,
                    details: ["partitions": status.partitions.map(String.init).joined(separator: ",")])
            })
    }
}
