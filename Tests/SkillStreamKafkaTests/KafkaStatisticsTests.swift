import Testing

@testable import SkillStreamKafka

@Suite struct KafkaStatisticsTests {
    /// An excerpt of what librdkafka 2.x emits for a consumer, with fields we do not read left in.
    static let consumerJSON = """
        {"name":"rdkafka#consumer-1","client_id":"rdkafka","type":"consumer","ts":5016483227792,"time":1527060869,
         "msg_cnt":0,"msg_size":0,"txmsgs":0,"rxmsgs":1200,"brokers":{},
         "topics":{"pos.table-service":{"topic":"pos.table-service","age":5006,"metadata_age":5006,
           "partitions":{
             "0":{"partition":0,"fetchq_cnt":4,"consumer_lag":350,"hi_offset":600,"lo_offset":0,
                  "committed_offset":250,"app_offset":250,"rxmsgs":600,"txmsgs":0},
             "1":{"partition":1,"fetchq_cnt":0,"consumer_lag":-1,"hi_offset":400,"lo_offset":0,
                  "committed_offset":-1001,"app_offset":-1001,"rxmsgs":400,"txmsgs":0},
             "-1":{"partition":-1,"fetchq_cnt":0,"consumer_lag":-1,"hi_offset":-1,"lo_offset":-1,
                  "committed_offset":-1001,"app_offset":-1001,"rxmsgs":0,"txmsgs":0}}}},
         "cgrp":{"state":"up","stateage":100,"join_state":"steady","rebalance_age":90,"rebalance_cnt":3,
                 "rebalance_reason":"","assignment_size":2}}
        """

    @Test func consumerStatisticsDecodeLagOffsetsAndGroupState() throws {
        let statistics = try KafkaStatistics(json: Array(Self.consumerJSON.utf8))
        #expect(statistics.type == "consumer")
        #expect(statistics.receivedMessages == 1200)
        let partition = try #require(statistics.topics["pos.table-service"]?.partitions["0"])
        #expect(partition.consumerLag == 350)
        #expect(partition.highWatermark == 600)
        #expect(partition.committedOffset == 250)
        #expect(statistics.consumerGroup?.rebalanceCount == 3)
        #expect(statistics.consumerGroup?.assignmentSize == 2)
    }

    @Test func totalLagSkipsUnknownLagAndTheUnassignedBucket() throws {
        let statistics = try KafkaStatistics(json: Array(Self.consumerJSON.utf8))
        #expect(statistics.totalConsumerLag == 350)
    }

    @Test func malformedStatisticsThrow() {
        #expect(throws: (any Error).self) { try KafkaStatistics(json: Array("{\"name\":".utf8)) }
    }
}
