import Foundation
import Logging
import SkillStreamDomain
import SkillStreamKafka

/// Reads the training recommendations SkillStream publishes (`skills.training-recommendations`)
/// for whoever acts on them outside SkillStream — the simulator's closed loop enrols the staff.
/// A member of its own consumer group; offsets are committed once a batch has been returned,
/// so a restart goes on after the last recommendation handed out.
public final class RecommendationFeed {
    /// Who should take which program, as far as the feed needs to know.
    public struct Recommendation: Sendable, Hashable {
        public var staffID: String
        public var programID: String

        public init(staffID: String, programID: String) {
            self.staffID = staffID
            self.programID = programID
        }
    }

    private let consumer: KafkaConsumer

    public init(configuration: KafkaConfiguration, groupID: String, topic: String = Topics.trainingRecommendations, logger: Logger) throws {
        consumer = try KafkaConsumer(configuration: configuration, groupID: groupID, logger: logger)
        try consumer.subscribe(topics: [topic])
    }

    /// The recommendations that arrived since the last call, in order; nil for a message that
    /// is not a recommendation (counted by the caller, never dropped unseen).
    public func poll(timeout: Duration = .milliseconds(10)) async throws -> [Recommendation?] {
        let batch = try await consumer.poll(maxMessages: 10_000, timeout: timeout)
        if batch.rebalance != nil { try consumer.completeRebalance() }
        var next: [KafkaTopicPartition: Int64] = [:]
        let recommendations = batch.messages.map { message -> Recommendation? in
            next[message.topicPartition] = message.offset + 1
            return message.value.flatMap(Self.decode)
        }
        if !next.isEmpty { try await consumer.commit(next.map { KafkaTopicPartitionOffset(topicPartition: $0.key, offset: $0.value) }) }
        return recommendations
    }

    public func close() async throws { try await consumer.close() }

    /// The staff and program of a `skills.training_recommendation.v1` message.
    static func decode(_ bytes: [UInt8]) -> Recommendation? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            object["schema"] as? String == "skills.training_recommendation.v1",
            let staffID = object["staff_id"] as? String, let programID = object["program_id"] as? String
        else { return nil }
        return Recommendation(staffID: staffID, programID: programID)
    }
}
