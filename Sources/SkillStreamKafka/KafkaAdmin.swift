import CRdKafka
import Logging

/// A topic to create: name, partition count, replication factor and topic configuration
/// (e.g. `cleanup.policy=compact`).
public struct KafkaTopicSpecification: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = 1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// What creating one topic did.
public enum KafkaTopicCreation: String, Sendable, Hashable {
    case created
    case alreadyExisted
}

/// A topic as the cluster's metadata describes it.
public struct KafkaTopicDescription: Sendable, Hashable {
    /// One partition: its leader broker and replica count.
    public struct Partition: Sendable, Hashable {
        public var id: Int32
        public var leader: Int32
        public var replicas: Int32
    }

    public var name: String
    public var partitions: [Partition]
}

/// Creates and describes topics.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient

    /// Throws `invalidConfiguration` or `runtimeTooOld` like the other clients.
    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        client = try RDKafkaClient(kind: .producer, properties: configuration.properties, context: RDKafkaCallbackContext(logger: logger))
    }

    /// Creates the topics that do not exist yet; an existing topic is left as it is and reported
    /// as ``KafkaTopicCreation/alreadyExisted``, so calling this again is harmless.
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration = .seconds(30)) async throws -> [String: KafkaTopicCreation] {
        let client = self.client
        return try await client.runBlocking {
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for topic in topics {
                guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count) else {
                    throw KafkaError(code: .adminOperationFailed, message: "topic \(topic.name): \(String(errorBuffer: errorText))")
                }
                newTopics.append(newTopic)
                for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                    let error = rd_kafka_NewTopic_set_config(newTopic, key, value)
                    guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                        throw KafkaError(code: .adminOperationFailed, error, context: "topic \(topic.name) config \(key)")
                    }
                }
            }
            let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, &errorText, errorText.count)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, &errorText, errorText.count)
            let queue = rd_kafka_queue_new(client.handle)
            defer { rd_kafka_queue_destroy(queue) }
            rd_kafka_CreateTopics(client.handle, &newTopics, newTopics.count, options, queue)
            guard let event = rd_kafka_queue_poll(queue, (timeout + .seconds(1)).milliseconds) else {
                throw KafkaError(code: .timedOut, message: "creating topics did not finish within \(timeout)")
            }
            defer { rd_kafka_event_destroy(event) }
            let requestError = rd_kafka_event_error(event)
            guard requestError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(code: .adminOperationFailed, requestError, context: "create topics")
            }
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            var outcome: [String: KafkaTopicCreation] = [:]
            for index in 0..<count {
                let result = results![index]
                let name = String(cString: rd_kafka_topic_result_name(result))
                switch rd_kafka_topic_result_error(result) {
                case RD_KAFKA_RESP_ERR_NO_ERROR: outcome[name] = .created
                case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: outcome[name] = .alreadyExisted
                case let error:
                    var kafkaError = KafkaError(code: .adminOperationFailed, error, context: "create topic \(name)")
                    if let text = rd_kafka_topic_result_error_string(result) { kafkaError.message += " (\(String(cString: text)))" }
                    throw kafkaError
                }
            }
            return outcome
        }
    }

    /// The names of all topics in the cluster, sorted.
    public func topicNames(timeout: Duration = .seconds(10)) async throws -> [String] {
        let client = self.client
        return try await client.runBlocking { try client.topicMetadata(timeout: timeout).keys.sorted() }
    }

    /// Describes topics from the cluster's metadata; throws for a topic that does not exist.
    public func describeTopics(_ names: [String], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicDescription] {
        let client = self.client
        return try await client.runBlocking { try client.describeTopics(names, timeout: timeout) }
    }
}
