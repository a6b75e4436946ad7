@testable import SkillStreamDomain

/// Builders of contract events for tests, all at restaurant "lim-01" in Peru's offset.
enum TestEvents {
    static let base = EventTime(rfc3339: "2026-03-01T12:00:00-05:00")!

    static func time(days: Double = 0, minutes: Double = 0) -> EventTime {
        EventTime(millisecondsSinceEpoch: base.millisecondsSinceEpoch + Int64((days * 86_400 + minutes * 60) * 1_000), offsetMinutes: -300)
    }

    static func header(_ id: String, at time: EventTime, restaurant: String = "lim-01") -> EventHeader {
        EventHeader(eventID: id, occurredAt: time, restaurantID: restaurant)
    }

    static func restaurant(target: Double = 900, benchmark: Double = 85) -> ContractEvent {
        .restaurant(
            RestaurantReference(
                header: header("ref-lim-01", at: time(days: -10)), name: "Costa Azul", city: "Lima", timezone: "America/Lima",
                serviceQualityBenchmark: benchmark, fineDiningAccreditation: true, targetWaitTimeSeconds: target))
    }

    static func visit(
        _ id: String, staff: String = "s1", at time: EventTime, wait: Double = 900, covers: Int = 2, ordered: Int = 10, incorrect: Int = 0
    ) -> ContractEvent {
        .tableService(
            TableServiceEvent(
                header: header("pos-\(id)", at: time), staffID: staff, visitID: id, tableID: "T1", covers: covers,
                seatedAt: EventTime(millisecondsSinceEpoch: time.millisecondsSinceEpoch - 3_600_000, offsetMinutes: -300),
                waitTimeSeconds: wait, itemsOrdered: ordered, itemsIncorrect: incorrect, checkTotalPEN: 300))
    }

    static func feedback(
        _ id: String, visit: String?, staff: String = "s1", at time: EventTime, score: Int?, complaints: [ComplaintCategory]? = nil,
        comment: String? = nil, repeatCustomer: Bool? = nil
    ) -> ContractEvent {
        .guestFeedback(
            GuestFeedbackEvent(
                header: header("svy-\(id)", at: time), staffID: staff, visitID: visit, satisfaction: score, complaints: complaints,
                comment: comment, repeatCustomer: repeatCustomer))
    }

    static func bytes(_ event: ContractEvent) -> [UInt8] { EventEncoder.encode(event) }
}
