import SkillStreamDomain
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
