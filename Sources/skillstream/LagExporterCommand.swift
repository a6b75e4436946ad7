import ArgumentParser
import Foundation
import Logging
import SkillStreamGroupLag
import SkillStreamKafka
import SkillStreamMonitoring
import SkillStreamProcessor

/// `skillstream lag-exporter`: the processor group's lag as Prometheus metrics, measured from
/// outside the group (see ``GroupLagMonitor``), so that it is still reported while every
/// processor is stopped or stuck.
struct LagExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag-exporter",
        abstract: "Export a consumer group's lag on the input topics as Prometheus metrics, from outside the group.",
        discussion: """
            Reads the group's committed offsets and each input partition's high watermark (from fetch responses of the \
            partitions' tail; records are dropped). Never joins the group and never commits. /metrics, /healthz, /readyz \
            (ready once every partition has been measured).
            """)

    @Option(help: "Kafka bootstrap servers (host:port,…). Default: $SKILLSTREAM_KAFKA_BROKERS.") var brokers: String?
    @Option(help: "The consumer group to watch.") var group = "skillstream-processor"
    @Option(help: "A prefix before every contract topic name (e.g. prod.), as process's --topic-prefix.") var topicPrefix = ""
    @Option(help: "Milliseconds between measurements.") var intervalMs = 5_000
    @Option(help: "Port of /metrics, /healthz and /readyz.") var port = 9465
    @Option(help: "Address to listen on.") var host = "0.0.0.0"
    @Option(help: "Kafka property, NAME=VALUE (repeatable), e.g. security.protocol=SSL.") var kafkaProperty: [String] = []
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port is 1 to 65535.") }
        guard intervalMs >= 100 else { throw ValidationError("--interval-ms is at least 100.") }
        try NamedValues.validate(kafkaProperty, option: "kafka-property")
    }

    func run() async throws {
        let logger = logging.logger(label: "skillstream.lag-exporter")
        let brokers = try ServerOptions.brokers(brokers)
        let registry = OperatorServer.bootstrapMetrics()
        let monitor = try GroupLagMonitor(
            configuration: KafkaConfiguration(bootstrapServers: brokers, properties: NamedValues.dictionary(kafkaProperty)), group: group,
            topics: ContractTopics(prefix: topicPrefix).inputs, logger: logger)
        let stop = AtomicFlag()
        let signals = onTermination { stop.raise() }
        defer { signals.forEach { $0.cancel() } }
        let server = OperatorServer(
            host: host, port: port, registry: registry, logger: logger, liveness: { HealthReport(healthy: true) },
            readiness: {
                // Ready while the gauges are current: a complete measurement within three intervals.
                if let lags = monitor.lags, monitor.measured(within: .milliseconds(3 * intervalMs)) {
                    return HealthReport(healthy: true, details: ["group": monitor.group, "partitions": String(lags.count)])
                }
                let why = monitor.lags == nil ? "not every partition measured yet" : "no complete measurement for three intervals"
                return HealthReport(healthy: false, reasons: [monitor.lastFailure.map { "\(why): \($0)" } ?? why])
            })
        logger.info("Exporting the group's lag", metadata: ["group": "\(group)", "topics": "\(monitor.topics)", "address": "\(host):\(port)"])
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { [logger] in try await serveOrStop(server, logger: logger) { stop.raise() } }
            try await monitor.run(interval: .milliseconds(intervalMs)) { stop.isRaised }
            await server.shutdown()
            try await tasks.waitForAll()
        }
    }
}
