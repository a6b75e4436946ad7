import Foundation
import Logging
import SkillStreamKafka
import SkillStreamTestSupport
import Testing

/// The producer against a broker address that accepts connections and never answers, as a
/// hung broker or a network partition looks to a client.
@Suite struct KafkaProducerTests {
    @Test func cancellingASendToABrokerThatNeverAnswersFailsEveryRecordAtOnce() async throws {
        let broker = try SilentServer()
        defer { broker.close() }
        // librdkafka's default message.timeout.ms: without cancellation the send would wait 5 minutes.
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:\(broker.port)"), logger: Logger(label: "test"))
        let sending = Task {
            await producer.send((0..<3).map { KafkaProducerMessage(topic: "anything", key: "k", value: "record \($0)") })
        }
        try await Task.sleep(for: .milliseconds(500))
        let clock = ContinuousClock()
        let cancelled = clock.now
        sending.cancel()
        let reports = await sending.value
        let took = clock.now - cancelled
        #expect(reports.count == 3)
        #expect(reports.allSatisfy { if case .failure = $0.outcome { true } else { false } }, "\(reports)")
        #expect(took < .seconds(20), "the send returned once cancelled (took \(took)), not after message.timeout.ms")
        await producer.shutdown(timeout: .seconds(1))
    }
}
