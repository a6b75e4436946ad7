import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamPublishing
import SkillStreamSimulation
import Testing

/// The simulator's records through the Kafka sink to a real broker, and recommendations back
/// through the feed that closes the loop.
@Suite(.serialized) struct SimulationPublishingIntegrationTests {
    @Test func simulatedEventsReachKafkaKeyedByRestaurantOnOnePartitionNumberPerRestaurant() async throws {
        var configuration = SimulationConfiguration()
        configuration.restaurants = 4
        configuration.staffPerRestaurant = 6
        configuration.days = 3
        configuration.faults = .none
        let simulator = RestaurantSimulator(configuration: configuration)
        let prefix = "sim-\(UUID().uuidString.prefix(6).lowercased())."
        let topics = [Topics.tableService, Topics.guestFeedback, Topics.staffEvents, Topics.restaurants]
        let admin = try KafkaAdmin(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger)
        _ = try await admin.createTopics(topics.map { KafkaTopicSpecification(name: prefix + $0, partitions: 3) })
        let sink = KafkaSink(
            producer: try KafkaProducer(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger),
            batchSize: 500)
        var expected: [String: Int] = [:]
        while let records = simulator.nextDay() {
            for record in records where topics.contains(record.topic) {
                try await sink.write(OutgoingRecord(topic: prefix + record.topic, key: record.key, value: record.value))
                expected[prefix + record.topic, default: 0] += 1
            }
        }
        try await sink.flush()
        #expect(sink.recordsPerTopic == expected, "every record acknowledged")

        let consumer = try KafkaConsumer(
            configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: "sim-\(UUID().uuidString)", logger: IntegrationEnvironment.logger)
        try consumer.subscribe(topics: topics.map { prefix + $0 })
        var received: [String: Int] = [:]
        var partitionOfRestaurant: [String: Set<Int32>] = [:]
        try await eventually("all \(expected.values.reduce(0, +)) records consumed") {
            let batch = try await consumer.poll()
            if batch.rebalance != nil { try consumer.completeRebalance() }
            for message in batch.messages {
                received[message.topicPartition.topic, default: 0] += 1
                let event = try #require(try? EventDecoder().decode(message.value ?? [], key: message.key.map { String(decoding: $0, as: UTF8.self) }).get())
                partitionOfRestaurant[event.header.restaurantID, default: []].insert(message.topicPartition.partition)
            }
            return received == expected
        }
        #expect(partitionOfRestaurant.count == 4)
        #expect(partitionOfRestaurant.values.allSatisfy { $0.count == 1 }, "a restaurant's events share one partition number in every topic")
        try await consumer.close()
    }

    @Test func recommendationFeedHandsOutEachRecommendationOnceAndFlagsStrangers() async throws {
        let admin = try KafkaAdmin(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger)
        _ = try await admin.createTopics([KafkaTopicSpecification(name: Topics.trainingRecommendations, partitions: 2)])
        let staff = "lim-01-s\(UUID().uuidString.prefix(6))"
        let producer = try KafkaProducer(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger)
        let recommendation = """
            {"schema":"skills.training_recommendation.v1","recommendation_id":"r-\(staff)","alert_id":"a-\(staff)","staff_id":"\(staff)",\
            "skill":"timeliness","program_id":"prog-ritmo-servicio","rank":1,"expected_improvement":0.2,"confidence":0.7}
            """
        let reports = await producer.send([
            KafkaProducerMessage(topic: Topics.trainingRecommendations, key: "lim-01", value: recommendation),
            KafkaProducerMessage(topic: Topics.trainingRecommendations, key: "lim-01", value: "{\"staff_id\":\"\(staff)\"}"),
        ])
        #expect(reports.allSatisfy { (try? $0.outcome.get()) != nil })
        let group = "feed-\(UUID().uuidString)"
        let feed = try RecommendationFeed(configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: group, logger: IntegrationEnvironment.logger)
        var seen: [RecommendationFeed.Recommendation?] = []
        try await eventually("both messages read") {
            seen += try await feed.poll(timeout: .milliseconds(200)).filter { $0 == nil || $0?.staffID == staff }
            return seen.count >= 2
        }
        #expect(seen.compactMap { $0 } == [RecommendationFeed.Recommendation(staffID: staff, programID: "prog-ritmo-servicio")])
        #expect(seen.filter { $0 == nil }.count >= 1, "a message that is not a recommendation is handed out as nil, not dropped")
        try await feed.close()
        // The same group again: the offsets were committed, nothing is handed out twice.
        let again = try RecommendationFeed(configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: group, logger: IntegrationEnvironment.logger)
        var repeated: [RecommendationFeed.Recommendation?] = []
        for _ in 0..<20 { repeated += try await again.poll(timeout: .milliseconds(200)).filter { $0?.staffID == staff } }
        #expect(repeated.isEmpty)
        try await again.close()
    }
}
