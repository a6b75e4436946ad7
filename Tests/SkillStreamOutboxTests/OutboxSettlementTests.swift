import SkillStreamKafka
import SkillStreamOutbox
import Testing

/// What a round of publication leaves in the outbox, from the broker's reports.
@Suite struct OutboxSettlementTests {
    static let delivered: Result<KafkaTopicPartitionOffset, KafkaError> = .success(KafkaTopicPartitionOffset(topic: "t", partition: 0, offset: 0))
    /// librdkafka's RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: the broker did not answer in time.
    static let timedOut: Result<KafkaTopicPartitionOffset, KafkaError> = .failure(
        KafkaError(code: .messageDeliveryFailed, message: "timed out", rdKafkaErrorName: "_MSG_TIMED_OUT", rdKafkaErrorCode: -192, isRetriable: true))
    /// librdkafka's RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE from the producer itself, before sending:
    /// never publishable as it is.
    static let tooLarge: Result<KafkaTopicPartitionOffset, KafkaError> = {
        var error = KafkaError(code: .messageDeliveryFailed, message: "too large", rdKafkaErrorName: "MSG_SIZE_TOO_LARGE", rdKafkaErrorCode: 10)
        error.refusedBeforeSending = true
        return .failure(error)
    }()
    /// The same code in a delivery report: the broker refused a whole batch, not this record.
    static let batchTooLarge: Result<KafkaTopicPartitionOffset, KafkaError> = .failure(
        KafkaError(code: .messageDeliveryFailed, message: "too large", rdKafkaErrorName: "MSG_SIZE_TOO_LARGE", rdKafkaErrorCode: 10))

    static func row(_ id: Int64, _ topic: String, _ key: String?) -> (id: Int64, key: Outbox.OutputKey) {
        (id, Outbox.OutputKey(topic: topic, key: key.map { Array($0.utf8) }))
    }

    @Test func aRecordRefusedForNowHoldsBackOnlyTheLaterRecordsOfItsTopicAndKey() {
        let rows = [
            Self.row(1, "alerts", "a"), Self.row(2, "alerts", "b"), Self.row(3, "alerts", "a"), Self.row(4, "alerts", "b"),
            Self.row(5, "recommendations", "a"), Self.row(6, "alerts", nil), Self.row(7, "alerts", nil),
        ]
        var blocked = Set<Outbox.OutputKey>()
        let settlement = Outbox.settle(
            rows, [Self.timedOut, Self.delivered, Self.delivered, Self.delivered, Self.delivered, Self.timedOut, Self.delivered], blocked: &blocked)
        #expect(settlement.refused == [1, 6])
        #expect(settlement.heldBack == [3, 7], "a's newer version and the keyless record after a refused keyless one follow them")
        #expect(settlement.delivered == [2, 4, 5], "other keys and topics flow")
        #expect(settlement.parked.isEmpty)
        #expect(blocked == [rows[0].key, rows[5].key], "the later rounds of this call hold them back too")
        // The next round: a's later record is held back even when delivered.
        let next = Outbox.settle([Self.row(8, "alerts", "a"), Self.row(9, "alerts", "c")], [Self.delivered, Self.delivered], blocked: &blocked)
        #expect(next.heldBack == [8] && next.delivered == [9])
    }

    @Test func aBatchTheBrokerRefusesIsRefusedForNowNotParked() {
        var blocked = Set<Outbox.OutputKey>()
        let settlement = Outbox.settle([Self.row(1, "dead-letter", "k"), Self.row(2, "alerts", "a")], [Self.batchTooLarge, Self.batchTooLarge], blocked: &blocked)
        #expect(settlement.refused == [1, 2] && settlement.parked.isEmpty)
    }

    @Test func aRecordRefusedForGoodIsParkedAndHoldsNothingBack() {
        var blocked = Set<Outbox.OutputKey>()
        let settlement = Outbox.settle(
            [Self.row(1, "dead-letter", "k"), Self.row(2, "dead-letter", "k"), Self.row(3, "alerts", "a")], [Self.tooLarge, Self.delivered, Self.delivered],
            blocked: &blocked)
        #expect(Array(settlement.parked.keys) == [1] && settlement.parked[1]?.contains("too large") == true)
        #expect(settlement.delivered == [2, 3] && settlement.refused.isEmpty && settlement.heldBack.isEmpty)
    }
}
