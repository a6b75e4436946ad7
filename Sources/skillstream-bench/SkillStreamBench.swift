import ArgumentParser
import Foundation
import Logging
import SkillStreamKafka
import SkillStreamLearning

/// Benchmark drivers run by `make bench` (Scripts/bench_kafka.py times them against kcat).
@main
struct SkillStreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skillstream-bench",
        abstract: "Throughput drivers for SkillStream's benchmarks; each prints one JSON object.",
        subcommands: [KafkaProduce.self, KafkaConsume.self, LearnerLoop.self, DomainThroughput.self, DomainMemory.self]
    )
}

/// Prints a result line as JSON on stdout, with the librdkafka runtime that produced it.
func report(_ fields: [String: Double]) throws {
    var line: [String: Any] = fields
    line["librdkafka"] = KafkaRuntime.versionString
    let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// Produces N messages of a given size through KafkaProducer, every one acknowledged.
struct KafkaProduce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kafka-produce")

    @Option var brokers: String
    @Option var topic: String
    @Option var partitions: Int32 = 1
    @Option var messages = 1_000_000
    @Option(help: "Value size in bytes.") var size = 300
    @Option(help: "Records per send call (awaited together).") var batch = 50_000

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let configuration = KafkaConfiguration(bootstrapServers: brokers)
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        _ = try await admin.createTopics([KafkaTopicSpecification(name: topic, partitions: partitions)])
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let filler = String(repeating: "x", count: max(0, size - 64))
        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0
        while sent < messages {
            let count = min(batch, messages - sent)
            let records = (sent..<(sent + count)).map { index in
                KafkaProducerMessage(topic: topic, key: "restaurant-\(index % 12)", value: "{\"event_id\":\"e-\(index)\",\"pad\":\"\(filler)\"}")
            }
            for delivery in await producer.send(records) { _ = try delivery.outcome.get() }
            sent += count
        }
        let seconds = (clock.now - start).seconds
        await producer.shutdown()
        try report(["messages": Double(sent), "seconds": seconds, "per_second": Double(sent) / seconds])
    }
}

/// Consumes N messages from the start of every partition of a topic through KafkaConsumer.
struct KafkaConsume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kafka-consume")

    @Option var brokers: String
    @Option var topic: String
    @Option var messages = 1_000_000

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let configuration = KafkaConfiguration(bootstrapServers: brokers)
        let clock = ContinuousClock()
        let start = clock.now
        let consumer = try KafkaConsumer(configuration: configuration, groupID: "bench-\(UUID().uuidString)", logger: logger)
        let partitions = try await consumer.partitions(of: topic)
        try await consumer.assign(partitions.map { KafkaTopicPartitionOffset(topicPartition: $0, offset: KafkaOffset.beginning) })
        var received = 0
        var bytes = 0
        var firstMessage: ContinuousClock.Instant?
        while received < messages {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100))
            if firstMessage == nil, !batch.messages.isEmpty { firstMessage = clock.now }
            received += batch.messages.count
            for message in batch.messages { bytes += message.value?.count ?? 0 }
        }
        let end = clock.now
        try await consumer.close()
        try report([
            "messages": Double(received), "bytes": Double(bytes), "seconds": (end - start).seconds,
            "per_second": Double(received) / (end - start).seconds,
            "per_second_after_first": Double(received) / (end - (firstMessage ?? start)).seconds,
        ])
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Times a learner's predict and learn steps separately on a CSV stream (for profiling).
struct LearnerLoop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "learner-loop")

    @Option var csv: String
    @Option var model = "hoeffding-tree"
    @Option var nominal = ""
    @Option var repeats = 3

    func run() throws {
        let dataset = try LabelledDataset(
            csv: String(contentsOfFile: csv, encoding: .utf8), nominal: Set(nominal.split(separator: ",").map(String.init)))
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let learner: any OnlineClassifier =
                switch model {
                case "hoeffding-adaptive-tree": HoeffdingAdaptiveTree(schema: dataset.schema)
                case "logistic": LogisticRegression(schema: dataset.schema, configuration: .init(optimizer: .adaGrad(learningRate: 0.1), standardize: true))
                default: HoeffdingTree(schema: dataset.schema)
                }
            var start = clock.now
            for (row, label) in zip(dataset.rows, dataset.labels) { learner.learn(row, label: label, weight: 1) }
            let learn = clock.now - start
            start = clock.now
            var checksum = 0.0
            for row in dataset.rows { checksum += learner.predictProbabilities(row)[0] }
            let predict = clock.now - start
            try report([
                "learn_per_second": Double(dataset.rows.count) / learn.seconds,
                "predict_per_second": Double(dataset.rows.count) / predict.seconds, "checksum": checksum,
            ])
        }
    }
}
