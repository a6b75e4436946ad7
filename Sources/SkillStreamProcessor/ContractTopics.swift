import SkillStreamDomain
import SkillStreamKafka

/// The contract's topics as a deployment names and creates them: each contract name behind an
/// optional prefix (several environments or tenants on one cluster, e.g. `prod.`); the inputs
/// co-partitioned (one partition count), the reference topics compacted (the latest record per
/// key is the truth), the outputs with the same count.
public struct ContractTopics: Sendable, Hashable {
    public var prefix: String

    public init(prefix: String = "") {
        self.prefix = prefix
    }

    public func name(_ contractTopic: String) -> String { prefix + contractTopic }

    /// Co-partitioned by restaurant, in the merge's rank order.
    public var inputs: [String] { [Topics.tableService, Topics.guestFeedback, Topics.staffEvents].map(name) }
    public var references: [String] { [Topics.restaurants, Topics.trainingPrograms].map(name) }
    public var gapAlerts: String { name(Topics.gapAlerts) }
    public var trainingRecommendations: String { name(Topics.trainingRecommendations) }
    public var deadLetter: String { name(Topics.deadLetter) }
    public var outputs: [String] { [gapAlerts, trainingRecommendations, deadLetter] }

    /// Topic configuration (Kafka's topic-level settings, e.g. `retention.ms`) for each kind of
    /// contract topic. Reference topics are compacted (the latest record per key is the
    /// reference) unless their configuration says otherwise.
    public struct Configs: Sendable, Hashable {
        public var inputs: [String: String]
        public var outputs: [String: String]
        public var references: [String: String]

        public init(inputs: [String: String] = [:], outputs: [String: String] = [:], references: [String: String] = [:]) {
            self.inputs = inputs
            self.outputs = outputs
            self.references = ["cleanup.policy": "compact"].merging(references) { _, given in given }
        }
    }

    /// What to create: every contract topic (or only `topics`) with these partitions, replicas
    /// and configuration.
    public func specifications(
        partitions: Int32, replicationFactor: Int32 = 1, configs: Configs = Configs(), including topics: [String]? = nil
    ) -> [KafkaTopicSpecification] {
        (topics ?? inputs + references + outputs).map { topic in
            KafkaTopicSpecification(
                name: topic, partitions: partitions, replicationFactor: replicationFactor,
                config: references.contains(topic) ? configs.references : inputs.contains(topic) ? configs.inputs : configs.outputs)
        }
    }
}
