import ArgumentParser
import Logging
import SkillStreamKafka
import SkillStreamProcessor

/// `skillstream topics create`: the contract's topics, created idempotently.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Manage the contract's Kafka topics.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create the contract's topics that are missing: inputs co-partitioned, reference topics compacted, outputs.",
            discussion: "Existing topics are left as they are and reported; run it as often as you like.")

        @OptionGroup var servers: ServerOptions
        @Option(help: "Partitions of every topic (the processor's parallelism: replicas beyond it idle).") var partitions: Int32 = 6
        @Option(help: "Replicas of every partition (3 on a production cluster).") var replicationFactor: Int32 = 1
        @Option(help: "A prefix before every contract topic name (e.g. prod.).") var topicPrefix = ""

        func validate() throws {
            guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions must be 1…10000.") }
            guard (1...10).contains(replicationFactor) else { throw ValidationError("--replication-factor must be 1…10.") }
        }

        func run() async throws {
            var logger = Logger(label: "skillstream.topics")
            logger.logLevel = .warning
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: try servers.brokersOrEnvironment()), logger: logger)
            let outcome = try await admin.createTopics(
                ContractTopics(prefix: topicPrefix).specifications(partitions: partitions, replicationFactor: replicationFactor))
            for (topic, result) in outcome.sorted(by: { $0.key < $1.key }) {
                print("\(topic): \(result == .created ? "created" : "already existed (left as it is)")")
            }
        }
    }
}
