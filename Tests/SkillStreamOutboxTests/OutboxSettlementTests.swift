import SkillStreamKafka
import SkillStreamOutbox
import Testing

/// What a round of publication leaves in the outbox, from the broker's reports.
@Suite struct OutboxSettlementTests {
    static let delivered: Result<KafkaTopicPartitionOffset, KafkaError> = .success(KafkaTopicPartitionOffset(topic: "t", partition: 0, offset: 0))
    /// librdkafka's RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: the broker did not answer in time.
    static let timedOut: Result<KafkaTopicPartitionOffset, KafkaError> = .failure(
        KafkaError(code: .messageDeliveryFailed, message: "timed out", rdKafkaErrorName: "_MSG_TIMED_OUT", rdKafkaErrorCode: -192, isRetriable: true))
    /// librdkafka's RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: never publishable as it is.
    static let tooLarge: Result<KafkaTopicPartitionOffset, KafkaError> = .failure(
        KafkaError(code: .messageDeliveryFailed, message: "too large", rdKafkaErrorName: "MSG_SIZE_TOO_LARGE", rdKafkaErrorCode: 10))

    static func row(_ id: Int64, _ topic: String, _ key: String?) -> (id: Int64, topic: String, key: [UInt8]?) { (id, topic, key.map { Array($0.utf8) }) }

    @Test func aRecordRefusedForNowHoldsBackOnlyTheLaterRecordsOfItsTopicAndKey() {
        let rows = [
            Self.row(1, "alerts", "a"), Self.row(2, "alerts", "b"), Self.row(3, "alerts", "a"), Self.row(4, "alerts", "b"),
            Self.row(5, "recommendations", "a"), Self.row(6, "alerts", nil), Self.row(7, "alerts", nil),
        ]
        let settlement = Outbox.settle(rows, [Self.timedOut, Self.delivered, Self.delivered, Self.delivered, Self.delivered, Self.timedOut, Self.delivered])
        #expect(settlement.refused == [1, 6])
        #expect(settlement.heldBack == [3, 7], "a's newer version and the keyless record after a refused keyless one follow them")
        #expect(settlement.delivered == [2, 4, 5], "other keys and topics flow")
        #expect(settlement.parked.isEmpty)
    }

    @Test func aRecordRefusedForGoodIsParkedAndHoldsNothingBack() {
        let settlement = Outbox.settle(
            [Self.row(1, "dead-letter", "k"), Self.row(2, "dead-letter", "k"), Self.row(3, "alerts", "a")], [Self.tooLarge, Self.delivered, Self.delivered])
        #expect(Array(settlement.parked.keys) == [1] && settlement.parked[1]?.contains("too large") == true)
        #expect(settlement.delivered == [2, 3] && settlement.refused.isEmpty && settlement.heldBack.isEmpty)
    }
}
