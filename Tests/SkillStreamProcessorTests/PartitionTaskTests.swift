import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamProcessor
import SkillStreamScoring
import Testing

/// What a partition's task counts for the operators' metrics as it processes records.
struct PartitionTaskTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/examples/valid")

    static func example(_ name: String) throws -> [UInt8] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: examples.appendingPathComponent(name + ".json")))
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// When the example table service happened (2026-03-14T21:42:10-05:00), as a Kafka timestamp.
    static let served: Int64 = 1_773_542_530_000

    static func message(_ topic: String, _ offset: Int64, _ value: [UInt8], at timestamp: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(
            topicPartition: KafkaTopicPartition(topic: topic, partition: 0), offset: offset, key: Array("lim-01".utf8), value: value, headers: [],
            timestampMilliseconds: timestamp)
    }

    static func task() -> PartitionTask {
        PartitionTask(
            partition: 0, engine: SkillEngine(defaultPrograms: []), topics: ContractTopics(), nextOffsets: [:], referenceOffsets: [:], ownerEpoch: 1,
            maximumIdleMilliseconds: 2_000)
    }

    @Test func outcomesAreCountedPerTopicAndTheCheckpointKeepsEachRecordsTimestamp() throws {
        let task = Self.task()
        let service = try Self.example("pos.table_service.v1")
        let feedback = try Self.example("survey.guest_feedback.v1")
        let served = Self.served
        task.append(Self.message("pos.table-service", 0, service, at: served + 1_000))
        task.append(Self.message("pos.table-service", 1, service, at: served + 1_001))  // the same event again
        task.append(Self.message("survey.guest-feedback", 0, Array("{not json".utf8), at: served + 1_002))
        task.append(Self.message("survey.guest-feedback", 1, feedback, at: served + 41_000_000))
        #expect(try task.drain(now: 0) { _ in .atEnd } == 4)

        let counts = task.takeOutcomeCounts()
        #expect(counts["pos.table-service"] == [.processed: 1, .duplicate: 1])
        #expect(counts["survey.guest-feedback"]?[.deadLettered] == 1)
        #expect(counts["survey.guest-feedback"]?[.processed] == 1)
        #expect(task.takeOutcomeCounts().isEmpty, "counting starts anew")
        #expect(task.takeChanges().recordTimestamps == [served + 1_000, served + 1_001, served + 1_002, served + 41_000_000], "in processing order")
    }

    @Test func secondsBehindIsTheGapBetweenTheNewestFetchedRecordAndTheLastProcessed() throws {
        let task = Self.task()
        let service = try Self.example("pos.table_service.v1")
        #expect(task.secondsBehind(topic: 0) == 0, "nothing known yet")
        task.append(Self.message("pos.table-service", 0, service, at: Self.served + 10_000))
        task.append(Self.message("pos.table-service", 1, service, at: Self.served + 14_500))
        #expect(try task.drain(now: 0, limit: 1) { _ in .atEnd } == 1)
        #expect(task.secondsBehind(topic: 0) == 4.5)
        #expect(try task.drain(now: 0) { _ in .atEnd } == 1)
        #expect(task.secondsBehind(topic: 0) == 0)
    }

    /// The example hire with another event id, type and time (and no role unless hired).
    static func staffEvent(_ id: String, _ type: String, at time: String, extra: [String: Any] = [:]) throws -> [UInt8] {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: examples.appendingPathComponent("hr.staff_event.v1.json"))) as? [String: Any])
        object["event_id"] = id
        object["type"] = type
        object["occurred_at"] = time
        if type != "hired" { object["role"] = nil }
        object.merge(extra) { $1 }
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    @Test func hrEventsLeaveEachStaffMembersEmploymentInTheCheckpointAndARehireClearsTheDeparture() throws {
        let task = Self.task()
        let key = PartitionState.StaffKey(restaurantID: "lim-01", staffID: "lim-01-s07")
        var offset: Int64 = 0
        /// Sends an HR record a minute after it happened (as an HR system would), and processes it.
        func send(_ bytes: [UInt8], happened time: String) throws {
            let sent = try #require(EventTime(rfc3339: time)).millisecondsSinceEpoch + 60_000
            task.append(Self.message("hr.staff-events", offset, bytes, at: sent))
            offset += 1
            #expect(try task.drain(now: 0) { _ in .atEnd } == 1)
        }
        try send(try Self.example("hr.staff_event.v1"), happened: "2026-02-01T08:00:00-05:00")
        try send(try Self.staffEvent("hr-1", "terminated", at: "2026-03-20T09:00:00-05:00"), happened: "2026-03-20T09:00:00-05:00")
        let left = try #require(task.takeChanges().employment[key])
        #expect(left.role == .server)
        #expect(left.hiredAt == EventTime(rfc3339: "2026-02-01T08:00:00-05:00"))
        #expect(left.leftAt == EventTime(rfc3339: "2026-03-20T09:00:00-05:00"))

        let enrolled = try Self.staffEvent("hr-2", "training_enrolled", at: "2026-04-03T09:00:00-05:00", extra: ["program_id": "prg-timing-01"])
        try send(enrolled, happened: "2026-04-03T09:00:00-05:00")
        #expect(task.takeChanges().employment.isEmpty, "a training is not an employment change")

        try send(try Self.staffEvent("hr-3", "hired", at: "2026-05-01T09:00:00-05:00"), happened: "2026-05-01T09:00:00-05:00")
        let back = try #require(task.takeChanges().employment[key])
        #expect(back.leftAt == nil && back.hiredAt == EventTime(rfc3339: "2026-05-01T09:00:00-05:00"))
        #expect(task.takeOutcomeCounts()["hr.staff-events"] == [.processed: 4], "every record processed, none dead-lettered")
    }

    @Test func aPartitionTakenOverWritesTheDeparturesItsStateHoldsWithItsFirstCheckpoint() throws {
        let first = Self.task()
        var offset: Int64 = 0
        for (bytes, time) in [
            (try Self.example("hr.staff_event.v1"), "2026-02-01T08:00:00-05:00"),
            (try Self.staffEvent("hr-1", "terminated", at: "2026-03-20T09:00:00-05:00"), "2026-03-20T09:00:00-05:00"),
        ] {
            first.append(Self.message("hr.staff-events", offset, bytes, at: try #require(EventTime(rfc3339: time)).millisecondsSinceEpoch + 60_000))
            offset += 1
        }
        #expect(try first.drain(now: 0) { _ in .atEnd } == 2)
        // Another replica takes the partition from the engine's snapshot.
        let engine = try SkillEngine(snapshot: first.engine.snapshot())
        let taken = PartitionTask(
            partition: 0, engine: engine, topics: ContractTopics(), nextOffsets: first.nextOffsets, referenceOffsets: [:], ownerEpoch: 2,
            maximumIdleMilliseconds: 2_000)
        #expect(!taken.changes.isEmpty, "a checkpoint is due without any new record")
        let left = try #require(taken.changes.employment[PartitionState.StaffKey(restaurantID: "lim-01", staffID: "lim-01-s07")])
        #expect(left.leftAt == EventTime(rfc3339: "2026-03-20T09:00:00-05:00") && left.role == .server)
    }
}
