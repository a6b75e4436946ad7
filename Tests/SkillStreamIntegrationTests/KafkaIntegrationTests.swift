import Foundation
import Logging
import SkillStreamKafka
import Synchronization
import Testing

/// The Kafka module against a real broker (Tansu, started by `make test`).
@Suite(.serialized) struct KafkaIntegrationTests {
    let logger = IntegrationEnvironment.logger

    @Test func keyedMessagesWithHeadersComeBackThroughTheGroupAndCommittedOffsetsResumeIt() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 3)
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let sent = (0..<90).map { index in
            KafkaProducerMessage(
                topic: topic, key: "restaurant-\(index % 6)", value: "{\"n\":\(index)}",
                headers: [KafkaHeader(name: "source", string: "pos"), KafkaHeader(name: "seq", string: "\(index)")])
        }
        let reports = await producer.send(sent)
        let delivered = try reports.map { try $0.outcome.get() }
        #expect(delivered.count == 90)

        let group = "group-\(UUID().uuidString)"
        let consumer = try KafkaConsumer(configuration: configuration, groupID: group, logger: logger)
        let received = try await subscribeAndConsume(consumer, topic: topic, count: 90)
        #expect(received.count == 90)
        // Keys, values and headers arrive unchanged, and each key stays on one partition in order.
        let bySequence = Dictionary(uniqueKeysWithValues: received.map { (Int($0.header("seq")!.stringValue!)!, $0) })
        for (index, message) in sent.enumerated() {
            let got = try #require(bySequence[index])
            #expect(got.key == message.key && got.value == message.value && got.headers == message.headers)
            #expect(got.topicPartition == delivered[index].topicPartition && got.offset == delivered[index].offset)
        }
        for key in Set(sent.compactMap(\.key)) {
            let sameKey = received.filter { $0.key == key }
            #expect(Set(sameKey.map(\.topicPartition)).count == 1)
            #expect(sameKey.map(\.offset) == sameKey.map(\.offset).sorted())
        }

        var next: [KafkaTopicPartition: Int64] = [:]
        for message in received { next[message.topicPartition] = max(next[message.topicPartition] ?? 0, message.offset + 1) }
        try await consumer.commit(next.map { KafkaTopicPartitionOffset(topicPartition: $0.key, offset: $0.value) })
        let committed = try await consumer.committedOffsets(for: Array(next.keys))
        #expect(committed.mapValues { $0 } == next.mapValues { Optional($0) })
        try await consumer.close()

        // A new member of the group starts from the committed offsets: it sees only the new record.
        try await producer.send(KafkaProducerMessage(topic: topic, key: "restaurant-0", value: "{\"n\":90}"))
        let successor = try KafkaConsumer(configuration: configuration, groupID: group, logger: logger)
        var afterCommit = try await subscribeAndConsume(successor, topic: topic, count: 1)
        try await Task.sleep(for: .milliseconds(500))
        afterCommit += try await successor.poll().messages
        #expect(afterCommit.map(\.value) == [Array("{\"n\":90}".utf8)])
        try await successor.close()
        await producer.shutdown()
    }

    @Test func deliveryToAMissingPartitionIsReportedAsAnError() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: logger)
        let reports = await producer.send([
            KafkaProducerMessage(topic: topic, partition: 0, key: "a", value: "ok"),
            KafkaProducerMessage(topic: topic, partition: 7, key: "b", value: "nowhere"),
        ])
        #expect(try reports[0].outcome.get().offset == 0)
        guard case .failure(let error) = reports[1].outcome else {
            Issue.record("a record for partition 7 of a one-partition topic was acknowledged")
            return
        }
        #expect(error.code == .messageDeliveryFailed)
        await producer.shutdown()
        // After shutdown nothing would serve delivery reports: sending fails at once.
        let late = await producer.send([KafkaProducerMessage(topic: topic, key: "c", value: "late")])
        guard case .failure(let lateError) = late[0].outcome else {
            Issue.record("a record sent after shutdown was acknowledged")
            return
        }
        #expect(lateError.code == .closed)
    }

    /// Two members split the partitions; when one joins and later leaves, revoked partitions are
    /// committed before the rebalance completes, so no message is lost or processed twice.
    @Test func twoConsumersSplitPartitionsAndRebalancesHandThemOverWithoutLoss() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 4)
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let group = "group-\(UUID().uuidString)"
        let ledger = Ledger()

        func produce(_ range: Range<Int>) async throws {
            let reports = await producer.send(range.map { KafkaProducerMessage(topic: topic, key: "k\($0 % 13)", value: "m\($0)") })
            for report in reports { _ = try report.outcome.get() }
        }

        try await produce(0..<1_000)
        let first = GroupMember(name: "A", consumer: try KafkaConsumer(configuration: configuration, groupID: group, logger: logger), ledger: ledger)
        try first.consumer.subscribe(topics: [topic])
        let firstTask = Task { try await first.run() }
        try await eventually("A consumes the first 1,000") { ledger.total == 1_000 }

        let second = GroupMember(name: "B", consumer: try KafkaConsumer(configuration: configuration, groupID: group, logger: logger), ledger: ledger)
        try second.consumer.subscribe(topics: [topic])
        let secondTask = Task { try await second.run() }
        try await eventually("both members own partitions") { ledger.owned("A") > 0 && ledger.owned("B") > 0 }
        #expect(ledger.owned("A") + ledger.owned("B") == 4)

        try await produce(1_000..<2_000)
        try await eventually("the second 1,000 consumed by the pair") { ledger.total == 2_000 }
        #expect(ledger.count("A") > 1_000 && ledger.count("B") > 0, "both members consumed while sharing")

        first.stop()
        try await firstTask.value
        try await eventually("B owns all four partitions after A left") { ledger.owned("B") == 4 }
        try await produce(2_000..<3_000)
        try await eventually("all 3,000 consumed") { ledger.total >= 3_000 }
        try await Task.sleep(for: .seconds(1))
        second.stop()
        try await secondTask.value

        let values = ledger.values
        #expect(values.count == 3_000, "no message processed twice")
        #expect(Set(values) == Set((0..<3_000).map { "m\($0)" }), "no message lost")
        await producer.shutdown()
    }

    @Test func lagPerPartitionEqualsProducedButUnconsumedMessages() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 2)
        var configuration = try IntegrationEnvironment.kafkaConfiguration()
        configuration["statistics.interval.ms"] = "100"
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let produced: [Int32: Int64] = [0: 600, 1: 400]
        for (partition, count) in produced {
            let reports = await producer.send((0..<count).map { KafkaProducerMessage(topic: topic, partition: partition, key: nil, value: "v\($0)") })
            for report in reports { _ = try report.outcome.get() }
        }
        let consumer = try KafkaConsumer(configuration: configuration, groupID: "lag-\(UUID().uuidString)", logger: logger)
        try await consumer.assign(produced.keys.map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        var consumed: [Int32: Int64] = [:]
        try await eventually("300 messages consumed") {
            for message in try await consumer.poll(maxMessages: 25).messages { consumed[message.topicPartition.partition, default: 0] += 1 }
            return consumed.values.reduce(0, +) >= 300
        }
        try await eventually("high watermarks known for both partitions") {
            try await consumer.lag().allSatisfy { $0.highWatermark != nil }
        }
        let lag = try await consumer.lag()
        #expect(lag.count == 2)
        for partition in lag {
            let number = partition.topicPartition.partition
            #expect(partition.highWatermark == produced[number])
            #expect(partition.position == consumed[number, default: 0])
            #expect(partition.lag == produced[number]! - consumed[number, default: 0])
        }
        try await eventually("statistics reported") {
            _ = try await consumer.poll(maxMessages: 1, timeout: .milliseconds(10))
            return try consumer.statistics()?.type == "consumer"
        }
        try await consumer.close()
        await producer.shutdown()
    }

    /// Before a member has consumed anything, its lag counts from the group's committed offset.
    @Test func lagBeforeTheFirstRecordCountsFromTheCommittedOffset() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 1)
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        for report in await producer.send((0..<100).map { KafkaProducerMessage(topic: topic, partition: 0, key: nil, value: "v\($0)") }) {
            _ = try report.outcome.get()
        }
        let group = "lag-committed-\(UUID().uuidString)"
        let first = try KafkaConsumer(configuration: configuration, groupID: group, logger: logger)
        try await first.commit([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 40)])
        try await first.close()

        let member = try KafkaConsumer(configuration: configuration, groupID: group, logger: logger)
        try member.subscribe(topics: [topic])
        try await eventually("the partition is assigned") {
            let batch = try await member.poll(timeout: .milliseconds(50))
            #expect(batch.messages.isEmpty, "nothing is fetched before the assignment completes")
            guard batch.rebalance?.kind == .assigned else { return false }
            try member.completeRebalance()
            return true
        }
        // No poll from here: nothing is handed out, but fetch responses bring the watermark.
        try await eventually("the high watermark is known") { try await member.lag().first?.highWatermark == 100 }
        let lag = try #require(try await member.lag().first)
        #expect(lag.position == 40)
        #expect(lag.lag == 60)
        try await member.close()
        await producer.shutdown()
    }

    @Test func seekPauseAndResumeControlWhatTheNextPollReturns() async throws {
        let topic = try await IntegrationEnvironment.createTopic(partitions: 2)
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        for partition in Int32(0)...1 {
            for report in await producer.send((0..<50).map { KafkaProducerMessage(topic: topic, partition: partition, key: nil, value: "p\(partition)-\($0)") }) {
                _ = try report.outcome.get()
            }
        }
        let consumer = try KafkaConsumer(configuration: configuration, groupID: "seek-\(UUID().uuidString)", logger: logger)
        let zero = KafkaTopicPartition(topic: topic, partition: 0)
        let one = KafkaTopicPartition(topic: topic, partition: 1)
        try await consumer.assign([KafkaTopicPartitionOffset(topicPartition: zero, offset: KafkaOffset.beginning)])
        var firstPass: [KafkaConsumerMessage] = []
        try await eventually("partition 0 read") {
            firstPass += try await consumer.poll().messages
            return firstPass.count == 50
        }
        try await consumer.seek([KafkaTopicPartitionOffset(topicPartition: zero, offset: 40)])
        var replay: [KafkaConsumerMessage] = []
        try await eventually("partition 0 replayed from 40") {
            replay += try await consumer.poll().messages
            return replay.count == 10
        }
        #expect(replay.map(\.offset) == Array(40..<50))

        try await consumer.assign([
            KafkaTopicPartitionOffset(topicPartition: zero, offset: 50), KafkaTopicPartitionOffset(topicPartition: one, offset: KafkaOffset.beginning),
        ])
        try consumer.pause([one])
        for _ in 0..<10 { #expect(try await consumer.poll(timeout: .milliseconds(50)).messages.isEmpty, "paused partition delivered") }
        try consumer.resume([one])
        var resumed: [KafkaConsumerMessage] = []
        try await eventually("partition 1 after resume") {
            resumed += try await consumer.poll().messages
            return resumed.count == 50
        }
        #expect(Set(resumed.map(\.topicPartition)) == [one])
        try await consumer.close()
        await producer.shutdown()
    }

    @Test func creatingTopicsIsIdempotentAndCarriesPartitionsAndConfig() async throws {
        let admin = try KafkaAdmin(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: logger)
        let name = "ref-\(UUID().uuidString.prefix(8).lowercased())"
        let specification = KafkaTopicSpecification(name: name, partitions: 6, config: ["cleanup.policy": "compact"])
        #expect(try await admin.createTopics([specification]) == [name: .created])
        #expect(try await admin.createTopics([specification]) == [name: .alreadyExisted])
        let description = try #require(try await admin.describeTopics([name]).first)
        #expect(description.partitions.map(\.id) == Array(0..<6))
        #expect(try await admin.topicNames().contains(name))
        await #expect(throws: KafkaError.self) { try await admin.describeTopics(["no-such-topic-\(UUID().uuidString)"]) }
    }
}

/// Joins the group for `topic` and polls, completing rebalances, until `count` records arrived.
func subscribeAndConsume(_ consumer: KafkaConsumer, topic: String, count: Int) async throws -> [KafkaConsumerMessage] {
    try consumer.subscribe(topics: [topic])
    var received: [KafkaConsumerMessage] = []
    try await eventually("\(count) record(s) consumed from \(topic)") {
        let batch = try await consumer.poll()
        received += batch.messages
        if batch.rebalance != nil { try consumer.completeRebalance() }
        return received.count >= count
    }
    return received
}

/// What the members of a consumer group processed, and which partitions each owns.
final class Ledger: Sendable {
    private struct State {
        var values: [String] = []
        var perMember: [String: Int] = [:]
        var owned: [String: Set<KafkaTopicPartition>] = [:]
    }

    private let state = Mutex(State())

    func record(_ member: String, _ messages: [KafkaConsumerMessage]) {
        state.withLock { state in
            state.values += messages.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            state.perMember[member, default: 0] += messages.count
        }
    }

    func rebalanced(_ member: String, _ rebalance: KafkaRebalance) {
        state.withLock { state in
            switch rebalance.kind {
            case .assigned: state.owned[member, default: []].formUnion(rebalance.partitions)
            case .revoked, .lost: state.owned[member, default: []].subtract(rebalance.partitions)
            }
        }
    }

    func left(_ member: String) { state.withLock { $0.owned[member] = [] } }

    var total: Int { state.withLock { $0.values.count } }
    var values: [String] { state.withLock { $0.values } }
    func count(_ member: String) -> Int { state.withLock { $0.perMember[member, default: 0] } }
    func owned(_ member: String) -> Int { state.withLock { $0.owned[member, default: []].count } }
}

/// A consumer-group member that processes what it polls and commits what it processed when
/// partitions are revoked and when it stops: the discipline the processor follows.
final class GroupMember: Sendable {
    let name: String
    let consumer: KafkaConsumer
    let ledger: Ledger
    private let stopped = Atomic<Bool>(false)

    init(name: String, consumer: KafkaConsumer, ledger: Ledger) {
        self.name = name
        self.consumer = consumer
        self.ledger = ledger
    }

    func stop() { stopped.store(true, ordering: .releasing) }

    func run() async throws {
        var processed: [KafkaTopicPartition: Int64] = [:]
        func commit(_ partitions: some Sequence<KafkaTopicPartition>) async throws {
            let offsets = partitions.compactMap { partition in processed[partition].map { KafkaTopicPartitionOffset(topicPartition: partition, offset: $0) } }
            try await consumer.commit(offsets)
            for partition in partitions { processed[partition] = nil }
        }
        while !stopped.load(ordering: .acquiring) {
            let batch = try await consumer.poll(maxMessages: 50)
            ledger.record(name, batch.messages)
            for message in batch.messages { processed[message.topicPartition] = message.offset + 1 }
            if let rebalance = batch.rebalance {
                switch rebalance.kind {
                case .revoked: try await commit(rebalance.isIncremental ? rebalance.partitions : Array(processed.keys))
                case .lost: processed = [:]  // another member may own them: never commit
                case .assigned: break
                }
                ledger.rebalanced(name, rebalance)
                try consumer.completeRebalance()
            }
        }
        try await commit(Array(processed.keys))
        ledger.left(name)
        try await consumer.close()
    }
}
