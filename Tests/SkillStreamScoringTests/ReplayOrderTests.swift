import Foundation
import SkillStreamDomain
import SkillStreamSimulation
import Testing

@testable import SkillStreamScoring

@Suite struct ReplayOrderTests {
    static func line(_ id: String, _ time: String) -> [UInt8] {
        EventEncoder.encode(
            .staffEvent(
                StaffEvent(
                    header: EventHeader(eventID: id, occurredAt: EventTime(rfc3339: time)!, restaurantID: "lim-01"), staffID: "s1", type: .hired,
                    role: .server)))
    }

    @Test func topicsInterleaveByEventTimeEachInItsOwnOrderWithBadLinesInPlace() {
        let a = [
            Self.line("a1", "2026-06-01T10:00:00-05:00"), Array("{broken".utf8), Self.line("a2", "2026-06-01T12:00:00-05:00"),
            Self.line("a3-late", "2026-06-01T09:00:00-05:00"),
        ]
        let b = [Self.line("b1", "2026-06-01T11:00:00-05:00"), [], Self.line("b2", "2026-06-01T13:00:00-05:00")]
        let order = Array(ReplayOrder(topics: [("b", b), ("a", a)]))
        let names = order.map { record -> String in
            guard case .success(let event) = EventDecoder().decode(record.value) else { return "bad@\(record.topic):\(record.line)" }
            return event.header.eventID
        }
        // The broken line keeps a1's time, so it follows a1; a3 was recorded late and stays late
        // in its topic (after a2), yet goes before b2 whose time is later.
        #expect(names == ["a1", "bad@a:2", "b1", "a2", "a3-late", "b2"])
        #expect(order.first { $0.topic == "b" && $0.line == 3 } != nil, "line numbers count the blank line")
    }
}

@Suite struct ReplaySessionTests {
    /// A recorded simulated world, faults included, replayed: every malformed message comes out
    /// as a dead letter with its planted reason and its original bytes, the accounting balances,
    /// and a second replay gives the same outputs.
    @Test func replayDeadLettersEveryPlantedFaultAndRepeatsItself() throws {
        let simulator = simulatedWorld(seed: 11, restaurants: 2, staffPerRestaurant: 10, days: 20) {
            $0.faults.malformed = 0.02
            $0.faults.duplicate = 0.02
        }
        var lines: [String: [[UInt8]]] = [:]
        while let day = simulator.nextDay() { for record in day { lines[record.topic, default: []].append(record.value) } }
        let truth = simulator.groundTruth
        func replay() -> (outputs: [ReplaySession.Output], session: ReplaySession) {
            let session = ReplaySession(engine: SkillEngine(), receivedAt: EventTime(rfc3339: "2026-11-29T12:00:00Z")!)
            let outputs = ReplayOrder(topics: lines.map { ($0.key, $0.value) }).flatMap { session.process($0) }
            return (outputs, session)
        }
        let (outputs, session) = replay()
        let deadLetters = try outputs.filter { $0.topic == Topics.deadLetter }.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any])
        }
        var byReason: [String: Int] = [:]
        for letter in deadLetters { byReason[letter["reason"] as! String, default: 0] += 1 }
        // Duplicates of malformed messages are malformed too: at least the planted ones, of the planted kinds only.
        #expect(Set(byReason.keys) == Set(truth.faults.malformedByReason.keys))
        for (reason, count) in truth.faults.malformedByReason { #expect(byReason[reason, default: 0] >= count, "\(reason)") }
        let sent = Set(lines.values.flatMap { $0 })
        for letter in deadLetters {
            let original = try #require(Data(base64Encoded: letter["value_base64"] as! String))
            #expect(sent.contains(Array(original)), "the original bytes, unchanged")
        }
        let counters = session.engine.state.counters
        #expect(counters.consumed == lines.values.reduce(0) { $0 + $1.count })
        #expect(counters.consumed == counters.processed + counters.deadLettered + counters.duplicates)
        #expect(counters.deadLettered == deadLetters.count)
        #expect(replay().outputs == outputs, "deterministic")
        let summary = try #require(JSONSerialization.jsonObject(with: try session.summaryJSON()) as? [String: Any])
        #expect(summary["dead_lettered"] as? Int == deadLetters.count)
        #expect((summary["models"] as? [String: Any])?.keys.contains("dissatisfied") == true)
    }

    @Test func replayKeepsTheAlertsItWroteAndTheTablesServedForScoring() throws {
        let simulator = simulatedWorld(seed: 5, restaurants: 2, staffPerRestaurant: 12, days: 45) {
            $0.weakStaffShare = 0.5
            $0.faults = .none  // every table is served once
        }
        var lines: [String: [[UInt8]]] = [:]
        while let day = simulator.nextDay() { for record in day { lines[record.topic, default: []].append(record.value) } }
        let session = ReplaySession(engine: SkillEngine(), receivedAt: EventTime(rfc3339: "2026-11-29T12:00:00Z")!)
        session.evidence = RunEvidence()
        let outputs = ReplayOrder(topics: lines.map { ($0.key, $0.value) }).flatMap { session.process($0) }
        let evidence = try #require(session.evidence)
        #expect(evidence.alerts.map { $0.encoded() } == outputs.filter { $0.topic == Topics.gapAlerts }.map(\.value), "the alerts written, in order")
        #expect(!evidence.alerts.isEmpty)
        let visits = try lines[Topics.tableService, default: []].map { try EventDecoder().decode($0).get() }
        var served: [String: Int] = [:]
        for case .tableService(let visit) in visits { served[visit.staffID, default: 0] += 1 }
        #expect(evidence.servedTables.mapValues(\.count) == served, "every table once, under its server")
        let score = DetectionScore(truth: simulator.groundTruth, alerts: evidence.alerts, servedTables: evidence.servedTables)
        #expect(score.trueGaps > 0 && score.correctAlerts > 0)
    }
}
