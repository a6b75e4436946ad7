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

    public func specifications(partitions: Int32, replicationFactor: Int32 = 1, including topics: [String]? = nil) -> [KafkaTopicSpecification] {
        (topics ?? inputs + references + outputs).map { topic in
            KafkaTopicSpecification(
                name: topic, partitions: partitions, replicationFactor: replicationFactor,
                config: references.contains(topic) ? ["cleanup.policy": "compact"] : [:])
        }
    }
}
