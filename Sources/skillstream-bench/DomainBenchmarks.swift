import ArgumentParser
import Foundation
import SkillStreamDomain
import SkillStreamLearning

/// Decode + validate + cleanse + window update of a realistic event mix, on one core.
struct DomainThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "domain-throughput")

    @Option var events = 1_000_000
    @Option(help: "Events processed before timing starts: a week of event time brings the dedupe set and the visits awaiting feedback to their steady size, as in a running processor.")
    var warmUp = 310_000
    @Option var restaurants = 12
    @Option var staffPerRestaurant = 25
    @Flag(help: "Only time cleansing and windows on decoded events (for profiling).") var applyOnly = false

    func run() throws {
        let messages = Self.mix(count: warmUp + events, restaurants: restaurants, staffPerRestaurant: staffPerRestaurant)
        let warm = messages[..<warmUp]
        let timed = messages[warmUp...]
        let decoder = EventDecoder()
        let decoded = timed.compactMap { try? decoder.decode($0.1, key: $0.0).get() }
        let clock = ContinuousClock()
        /// Cleansing and windows alone: a state warmed on the same prefix, then the decoded events.
        func timeApply() -> Double {
            let state = PartitionState()
            for (key, bytes) in warm { _ = state.process(bytes, key: key) }
            let start = clock.now
            for event in decoded { _ = state.process(event) }
            return Double(decoded.count) / (clock.now - start).seconds
        }
        if applyOnly {
            try report(["apply_per_second": timeApply()])
            return
        }
        let state = PartitionState()
        for (key, bytes) in warm { _ = state.process(bytes, key: key) }
        let before = state.counters
        let start = clock.now
        for (key, bytes) in timed { _ = state.process(bytes, key: key) }
        let seconds = (clock.now - start).seconds
        let counters = state.counters
        // The two halves apart: decoding alone, and cleansing + windows on decoded events.
        let decodeStart = clock.now
        for (key, bytes) in timed { _ = decoder.decode(bytes, key: key) }
        let decodeSeconds = (clock.now - decodeStart).seconds
        try report([
            "decode_per_second": Double(timed.count) / decodeSeconds, "apply_per_second": timeApply(),
            "events": Double(timed.count), "warm_up": Double(warm.count), "seconds": seconds, "per_second": Double(timed.count) / seconds,
            "processed": Double(counters.processed - before.processed), "dead_lettered": Double(counters.deadLettered - before.deadLettered),
            "duplicates": Double(counters.duplicates - before.duplicates), "labels_joined": Double(counters.labelsJoined - before.labelsJoined),
            "imputed": Double(counters.imputed - before.imputed), "pending_visits": Double(state.pendingVisitCount),
            "bytes_per_event": Double(timed.reduce(0) { $0 + $1.1.count }) / Double(timed.count),
        ])
    }

    /// Table services with feedback for about a third of them (a fifth without a score, some with
    /// only a comment), HR events, about 1% malformed messages and 0.5% duplicates, in time order.
    static func mix(count: Int, restaurants: Int, staffPerRestaurant: Int) -> [(String, [UInt8])] {
        var random = RandomSource(seed: 42)
        let start = EventTime(rfc3339: "2026-03-01T12:00:00-05:00")!.millisecondsSinceEpoch
        let comments = ["La espera fue muy larga", "Excelente servicio", "The waiter was rude", "Se equivocaron con el vino", "Todo muy bien", "Food was cold"]
        var messages: [(String, [UInt8])] = []
        messages.reserveCapacity(count)
        for restaurant in 0..<restaurants {
            let event = ContractEvent.restaurant(
                RestaurantReference(
                    header: EventHeader(eventID: "ref-\(restaurant)", occurredAt: EventTime(millisecondsSinceEpoch: start, offsetMinutes: -300), restaurantID: "r\(restaurant)"),
                    name: "Restaurant \(restaurant)", city: "Lima", timezone: "America/Lima", serviceQualityBenchmark: 85,
                    fineDiningAccreditation: restaurant % 2 == 0, targetWaitTimeSeconds: 900))
            messages.append(("r\(restaurant)", EventEncoder.encode(event)))
        }
        var index = 0
        while messages.count < count {
            index += 1
            let time = EventTime(millisecondsSinceEpoch: start + Int64(index) * 2_000, offsetMinutes: -300)
            let restaurant = "r\(Int(random.nextUnit() * Double(restaurants)))"
            let staff = "s\(Int(random.nextUnit() * Double(staffPerRestaurant)))"
            let roll = random.nextUnit()
            if roll < 0.01 {
                messages.append((restaurant, Array(#"{"schema":"pos.table_service.v1","event_id":"bad"#.utf8)))
                continue
            }
            if roll < 0.015, let previous = messages.last {
                messages.append(previous)
                continue
            }
            let header = EventHeader(eventID: "e\(index)", occurredAt: time, restaurantID: restaurant)
            let event: ContractEvent
            if roll < 0.02 {
                event = .staffEvent(StaffEvent(header: header, staffID: staff, type: .trainingCompleted, programID: "p1", assessmentScore: 80))
            } else if roll < 0.35 {
                let visit = "v\(index - 1 - Int(random.nextUnit() * 50))"
                let score: Int? = random.nextUnit() < 0.2 ? nil : 1 + Int(random.nextUnit() * 5)
                let comment: String? = random.nextUnit() < 0.3 ? comments[Int(random.nextUnit() * Double(comments.count))] : nil
                event = .guestFeedback(
                    GuestFeedbackEvent(header: header, staffID: staff, visitID: visit, satisfaction: score, complaints: nil, comment: comment, repeatCustomer: random.nextUnit() < 0.3))
            } else {
                let ordered = 4 + Int(random.nextUnit() * 10)
                event = .tableService(
                    TableServiceEvent(
                        header: header, staffID: staff, visitID: "v\(index)", tableID: "T\(Int(random.nextUnit() * 30))", covers: 1 + Int(random.nextUnit() * 6),
                        seatedAt: EventTime(millisecondsSinceEpoch: time.millisecondsSinceEpoch - 5_400_000, offsetMinutes: -300),
                        waitTimeSeconds: 300 + random.nextUnit() * 1_200, itemsOrdered: ordered, itemsIncorrect: random.nextUnit() < 0.1 ? 1 : 0,
                        checkTotalPEN: 150 + random.nextUnit() * 900))
            }
            messages.append((restaurant, EventEncoder.encode(event)))
        }
        return messages
    }
}

/// Resident memory of per-staff state with the default windows, for many staff.
struct DomainMemory: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "domain-memory")

    @Option var staff = 100_000

    func run() throws {
        let before = Self.residentBytes()
        var members: [StaffState] = []
        members.reserveCapacity(staff)
        var random = RandomSource(seed: 7)
        for index in 0..<staff {
            let member = StaffState(staffID: "lim-\(index / 40)-s\(index % 40)", restaurantID: "lim-\(index / 40)")
            member.setRole(.server, at: EventTime(millisecondsSinceEpoch: 0))
            // 30 working days in the window, two tables and a feedback each day, 60 recent services.
            for day in Int32(20_500)..<20_530 {
                member.windows.addService(day: day, waitRatio: 0.5 + random.nextUnit(), covers: 2, itemsOrdered: 8, itemsIncorrect: 0)
                member.windows.addService(day: day, waitRatio: 0.5 + random.nextUnit(), covers: 4, itemsOrdered: 12, itemsIncorrect: 1)
                member.windows.addFeedback(day: day, observedSatisfaction: 4, complaintIndices: [0], repeatCustomer: true)
            }
            members.append(member)
        }
        let after = Self.residentBytes()
        try report([
            "staff": Double(staff), "resident_bytes_per_staff": Double(after - before) / Double(staff),
            "estimated_bytes_per_staff": Double(members.reduce(0) { $0 + $1.byteSize }) / Double(staff),
        ])
        withExtendedLifetime(members) {}
    }

    static func residentBytes() -> Int {
        let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4_096 : 0
    }
}
