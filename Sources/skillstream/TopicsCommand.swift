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
        @Option(help: "Topic configuration of the input topics, NAME=VALUE (repeatable), e.g. retention.ms=1209600000.") var inputConfig: [String] = []
        @Option(help: "Topic configuration of the output and dead-letter topics, NAME=VALUE (repeatable).") var outputConfig: [String] = []
        @Option(help: "Topic configuration of the reference topics, NAME=VALUE (repeatable); cleanup.policy=compact unless given.")
        var referenceConfig: [String] = []
        @Option(help: "Kafka property, NAME=VALUE (repeatable), e.g. security.protocol=SSL.") var kafkaProperty: [String] = []

        func validate() throws {
            guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions must be 1…10000.") }
            guard (1...10).contains(replicationFactor) else { throw ValidationError("--replication-factor must be 1…10.") }
            try NamedValues.validate(inputConfig, option: "input-config")
            try NamedValues.validate(outputConfig, option: "output-config")
            try NamedValues.validate(referenceConfig, option: "reference-config")
            try NamedValues.validate(kafkaProperty, option: "kafka-property")
        }

        func run() async throws {
            var logger = Logger(label: "skillstream.topics")
            logger.logLevel = .warning
            let admin = try KafkaAdmin(
                configuration: KafkaConfiguration(bootstrapServers: try servers.brokersOrEnvironment(), properties: NamedValues.dictionary(kafkaProperty)),
                logger: logger)
            let topics = ContractTopics(prefix: topicPrefix)
            let configs = ContractTopics.Configs(
                inputs: NamedValues.dictionary(inputConfig), outputs: NamedValues.dictionary(outputConfig),
                references: NamedValues.dictionary(referenceConfig))
            let outcome = try await admin.createTopics(topics.specifications(partitions: partitions, replicationFactor: replicationFactor, configs: configs))
            let existing = outcome.filter { $0.value == .alreadyExisted }.keys.sorted()
            let counts = Dictionary(
                uniqueKeysWithValues: try await admin.describeTopics(existing).map { ($0.name, $0.partitions.count) })
            for (topic, result) in outcome.sorted(by: { $0.key < $1.key }) {
                guard result == .alreadyExisted, let count = counts[topic] else {
                    print("\(topic): created (\(partitions) partitions)")
                    continue
                }
                let differs = count != Int(partitions) ? ", not the \(partitions) asked for" : ""
                print("\(topic): already existed with \(count) partitions\(differs) (left as it is)")
            }
            // The processor refuses input topics that are not co-partitioned: say so now.
            let inputCounts = Set(topics.inputs.map { counts[$0] ?? Int(partitions) })
            if inputCounts.count > 1 {
                print("warning: the input topics have different partition counts (\(inputCounts.sorted())); the processor needs them equal")
                throw ExitCode.failure
            }
        }
    }
}
