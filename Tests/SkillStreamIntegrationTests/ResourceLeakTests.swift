import Foundation
import SkillStreamKafka
import SkillStreamPostgres
import Testing

/// Every C handle is destroyed exactly once: creating and destroying many clients returns the
/// process to its baseline of open file descriptors and threads.
@Suite(.serialized) struct ResourceLeakTests {
    static func openFileDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    static func threads() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
    }

    /// Waits for librdkafka's and Dispatch's threads to wind down, then compares with the baseline.
    func expectBaseline(fileDescriptors: Int, threads: Int, after what: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline {
            if try Self.openFileDescriptors() <= fileDescriptors && Self.threads() <= threads { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try Self.openFileDescriptors() <= fileDescriptors, "file descriptors after \(what)")
        #expect(try Self.threads() <= threads, "threads after \(what)")
    }

    @Test func creatingAndDestroyingAThousandConsumersLeavesDescriptorsAndThreadsAtBaseline() async throws {
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        func cycle() throws {
            let consumer = try KafkaConsumer(configuration: configuration, groupID: "leak-check", logger: IntegrationEnvironment.logger)
            try consumer.subscribe(topics: ["leak-check"])
        }
        try cycle()  // warm-up: lazily created process-wide threads belong to the baseline
        try await Task.sleep(for: .seconds(1))
        let fileDescriptors = try Self.openFileDescriptors()
        let threads = try Self.threads()
        for _ in 0..<1_000 { try cycle() }
        try await expectBaseline(fileDescriptors: fileDescriptors, threads: threads, after: "1,000 consumers")
    }

    @Test func creatingAndDestroyingAThousandProducersLeavesDescriptorsAndThreadsAtBaseline() async throws {
        let configuration = try IntegrationEnvironment.kafkaConfiguration()
        func cycle() async throws {
            let producer = try KafkaProducer(configuration: configuration, logger: IntegrationEnvironment.logger)
            await producer.shutdown(timeout: .seconds(1))
        }
        try await cycle()
        try await Task.sleep(for: .seconds(1))
        let fileDescriptors = try Self.openFileDescriptors()
        let threads = try Self.threads()
        for _ in 0..<1_000 { try await cycle() }
        try await expectBaseline(fileDescriptors: fileDescriptors, threads: threads, after: "1,000 producers")
    }

    @Test func openingAndClosingAThousandConnectionsLeavesDescriptorsAndThreadsAtBaseline() async throws {
        func cycle() throws {
            let connection = try IntegrationEnvironment.connection()
            try connection.query("SELECT 1")
        }
        try cycle()
        let fileDescriptors = try Self.openFileDescriptors()
        let threads = try Self.threads()
        for _ in 0..<1_000 { try cycle() }
        try await expectBaseline(fileDescriptors: fileDescriptors, threads: threads, after: "1,000 connections")
    }
}
