import ArgumentParser
import Foundation
import Logging
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamProcessor
import SkillStreamPublishing

/// Where `simulate` and `backfill` put their records: JSON Lines files (`--out DIR`, which wins:
/// brokers set in the environment or a settings file are then not used) or Kafka (`--brokers`,
/// or $SKILLSTREAM_KAFKA_BROKERS).
struct OutputOptions: ParsableArguments {
    @Option(help: "Write one JSON Lines file per topic (<topic>.jsonl) into this directory instead of Kafka (any brokers given are not used).")
    var out: String?

    @Option(help: "Kafka bootstrap servers (host:port,…). Default: $SKILLSTREAM_KAFKA_BROKERS.")
    var brokers: String?

    @Option(help: "Kafka: partitions of the contract topics created when missing.")
    var partitions: Int32 = 6

    @Option(help: "Kafka: a prefix before every contract topic name (e.g. prod.), as the processor's --topic-prefix.")
    var topicPrefix = ""

    var topics: ContractTopics { ContractTopics(prefix: topicPrefix) }

    func validate() throws {
        if !(1...10_000).contains(partitions) { throw ValidationError("--partitions must be 1…10000.") }
    }

    /// The brokers when writing to Kafka; nil when writing files.
    func kafkaBrokers() throws -> String? {
        if out != nil { return nil }
        guard let value = brokers ?? ProcessInfo.processInfo.environment["SKILLSTREAM_KAFKA_BROKERS"] else {
            throw ValidationError("Nowhere to write: pass --out DIR, or --brokers (or set SKILLSTREAM_KAFKA_BROKERS).")
        }
        return value
    }

    /// The sink, with the contract's input topics created first when writing to Kafka (the
    /// reference topics compacted, as the contract says).
    func makeSink(logger: Logger) async throws -> EventSink {
        if let out { return try JSONLinesSink(directory: out) }
        let configuration = KafkaConfiguration(bootstrapServers: try kafkaBrokers()!)
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        _ = try await admin.createTopics(topics.specifications(partitions: partitions))
        return KafkaSink(producer: try KafkaProducer(configuration: configuration, logger: logger), topicPrefix: topicPrefix)
    }
}

/// Counts per topic as an aligned table, for the summaries the commands print.
func topicTable(_ counts: [String: Int]) -> String {
    let width = counts.keys.map(\.count).max() ?? 0
    return counts.sorted { $0.key < $1.key }
        .map { "  \($0.key.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.value)" }
        .joined(separator: "\n")
}
