import Foundation
import SkillStreamDomain
import SkillStreamLearning
import Testing

@testable import SkillStreamSimulation

@Suite struct RestaurantSimulatorTests {
    static func configuration(seed: UInt64 = 7, days: Int = 21, faults: SimulationConfiguration.Faults = .none) -> SimulationConfiguration {
        var configuration = SimulationConfiguration()
        configuration.seed = seed
        configuration.restaurants = 3
        configuration.staffPerRestaurant = 12
        configuration.days = days
        configuration.faults = faults
        return configuration
    }

    static func run(_ simulator: RestaurantSimulator) -> [SimulatedRecord] {
        var records: [SimulatedRecord] = []
        while let day = simulator.nextDay() { records += day }
        return records
    }

    @Test func sameSeedGivesIdenticalBytesAndAnotherSeedDoesNot() throws {
        let first = Self.run(RestaurantSimulator(configuration: Self.configuration()))
        let second = Self.run(RestaurantSimulator(configuration: Self.configuration()))
        let other = Self.run(RestaurantSimulator(configuration: Self.configuration(seed: 8)))
        #expect(first == second)
        #expect(first != other)
        let truthA = try RestaurantSimulator(configuration: Self.configuration()).finished().groundTruth.jsonData()
        let truthB = try RestaurantSimulator(configuration: Self.configuration()).finished().groundTruth.jsonData()
        #expect(truthA == truthB)
    }

    @Test func withoutFaultsEveryRecordIsAValidContractEventInSendOrder() {
        let records = Self.run(RestaurantSimulator(configuration: Self.configuration()))
        let decoder = EventDecoder()
        var perTopic: [String: Int] = [:]
        for record in records {
            let event = try? decoder.decode(record.value, key: record.key).get()
            #expect(event != nil, "\(String(decoding: record.value, as: UTF8.self))")
            #expect(event?.schema.topic == record.topic)
            perTopic[record.topic, default: 0] += 1
        }
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.sentAt <= $1.sentAt }, "records come in the order they are sent")
        // 3 restaurants × 12 staff for three weeks: reference data, a roster, hundreds of tables a day.
        #expect(perTopic[Topics.restaurants] == 3)
        #expect(perTopic[Topics.trainingPrograms] == SimulationCatalog.programs.count)
        #expect(SimulationCatalog.programs.count >= 12)
        #expect((perTopic[Topics.tableService] ?? 0) > 3 * 21 * 30)
        let feedbackShare = Double(perTopic[Topics.guestFeedback] ?? 0) / Double(perTopic[Topics.tableService] ?? 1)
        #expect(feedbackShare > 0.08 && feedbackShare < 0.4, "a minority of visits get feedback: \(feedbackShare)")
        #expect((perTopic[Topics.staffEvents] ?? 0) >= 36, "every initial staff member is hired")
    }

    @Test func eventsOtherThanTheRosterComeInEventTimeOrder() {
        let records = Self.run(RestaurantSimulator(configuration: Self.configuration()))
        let decoder = EventDecoder()
        let times = records.compactMap { record -> Int64? in
            guard let event = try? decoder.decode(record.value).get() else { return nil }
            if case .staffEvent(let hr) = event, hr.type == .hired, record.sentAt != event.header.occurredAt.millisecondsSinceEpoch { return nil }
            return event.header.occurredAt.millisecondsSinceEpoch
        }
        #expect(times == times.sorted())
    }

    @Test func faultsAreInjectedAtTheirRatesAndCountedInTheGroundTruth() throws {
        var faults = SimulationConfiguration.Faults()
        faults.duplicate = 0.02
        faults.malformed = 0.02
        faults.late = 0.01
        faults.outOfOrder = 0.02
        let simulator = RestaurantSimulator(configuration: Self.configuration(faults: faults))
        let records = Self.run(simulator)
        let truth = simulator.groundTruth
        let decoder = EventDecoder()
        var rejectedByReason: [String: Int] = [:]
        var ids: [String: Int] = [:]
        for record in records {
            let result = decoder.decode(record.value, key: record.key)
            switch (record.fault, result) {
            case (.malformed(let reason)?, .failure(let rejection)):
                #expect(rejection.reason == reason, "refused for exactly the reason planted")
                rejectedByReason[reason.rawValue, default: 0] += 1
            case (.duplicate?, .failure):
                break  // a copy of a message that was itself replaced by a malformed one
            case (_, .failure(let rejection)):
                Issue.record("an unplanted rejection: \(rejection)")
            case (_, .success(let event)):
                ids[event.header.eventID, default: 0] += 1
            }
        }
        #expect(rejectedByReason.values.reduce(0, +) > 0)
        #expect(rejectedByReason == truth.faults.malformedByReason)
        let repeated = ids.values.reduce(0) { $0 + $1 - 1 }
        #expect(repeated > 0 && repeated <= truth.faults.duplicates)
        #expect(records.filter { $0.fault == .duplicate }.count == truth.faults.duplicates)
        #expect(truth.faults.late > 0 && truth.faults.outOfOrder > 0)
        let total = records.count
        #expect(Double(truth.faults.duplicates) / Double(total) > 0.01 && Double(truth.faults.duplicates) / Double(total) < 0.03)
    }

    @Test func everyMalformedKindIsRefusedForItsReason() {
        var random = RandomSource(seed: 3)
        let visit = ContractEvent.tableService(
            TableServiceEvent(
                header: EventHeader(eventID: "e1", occurredAt: EventTime(rfc3339: "2026-06-01T20:00:00-05:00")!, restaurantID: "lim-01"),
                staffID: "lim-01-s001", visitID: "v1", tableID: "T1", covers: 2, seatedAt: EventTime(rfc3339: "2026-06-01T18:30:00-05:00")!,
                waitTimeSeconds: 600, itemsOrdered: 6, itemsIncorrect: 0))
        let bytes = EventEncoder.encode(visit)
        var seen = Set<Rejection.Reason>()
        for _ in 0..<200 {
            let (corrupted, reason) = MalformedMessages.corrupt(bytes, random: &random)
            guard case .failure(let rejection) = EventDecoder().decode(corrupted, key: "lim-01") else {
                Issue.record("\(reason) was accepted")
                continue
            }
            #expect(rejection.reason == reason)
            seen.insert(reason)
        }
        #expect(seen == Set(MalformedMessages.kinds))
    }

    @Test func aFileThatIsNotAGroundTruthSaysWhere() throws {
        let simulator = RestaurantSimulator(configuration: Self.configuration(days: 20)).finished()
        var object = try #require(JSONSerialization.jsonObject(with: simulator.groundTruth.jsonData()) as? [String: Any])
        var staff = try #require(object["staff"] as? [[String: Any]])
        staff[1]["hired_at"] = "last spring"
        object["staff"] = staff
        #expect(throws: GroundTruth.Invalid(path: "staff[1].hired_at", problem: "not an RFC 3339 time: \"last spring\"")) {
            try GroundTruth.decode(JSONSerialization.data(withJSONObject: object))
        }
        staff[1]["hired_at"] = nil
        object["staff"] = staff
        #expect(throws: GroundTruth.Invalid(path: "staff[1]", problem: "missing \"hired_at\"")) {
            try GroundTruth.decode(JSONSerialization.data(withJSONObject: object))
        }
        staff[1]["hired_at"] = "2026-03-01T00:00:00-05:00"
        staff[1]["weak_skills"] = [["skill": "wine_pairing", "from": "2026-03-02T00:00:00-05:00", "cause": "drift", "lowest_level": 0.3]]
        object["staff"] = staff
        #expect(throws: GroundTruth.Invalid(path: "staff[1].weak_skills[0].skill", problem: "\"wine_pairing\" is not one of the contract's skills")) {
            try GroundTruth.decode(JSONSerialization.data(withJSONObject: object))
        }
        #expect(throws: GroundTruth.Invalid.self) { try GroundTruth.decode(Data("[1, 2]".utf8)) }
    }

    @Test func groundTruthNamesPlantedWeaknessesConfoundersAndProgramEffects() throws {
        var configuration = Self.configuration(days: 60)
        configuration.weakStaffShare = 0.5
        configuration.kitchenIncidentShare = 1
        let simulator = RestaurantSimulator(configuration: configuration).finished()
        let truth = try GroundTruth.decode(simulator.groundTruth.jsonData())
        #expect(truth == simulator.groundTruth, "the JSON reads back to the same truth")
        let planted = truth.staff.flatMap(\.weakSkills).filter { $0.cause == "planted" }
        #expect(planted.count >= 5)
        #expect(planted.allSatisfy { $0.lowestLevel <= truth.weakLevel }, "below the weak level (to three decimals)")
        #expect(truth.restaurants.allSatisfy { $0.confounders.contains { $0.kind == "kitchen_bad_month" } })
        #expect(truth.restaurants.allSatisfy { $0.confounders.contains { $0.kind == "busy_night" } }, "Fridays and Saturdays are busy")
        let effects = truth.programs.flatMap(\.effects.values)
        #expect(effects.contains(0), "one program is useless")
        #expect(effects.contains { $0 >= 0.25 } && effects.contains { $0 > 0 && $0 <= 0.12 }, "strong and weak programs")
        let completed = truth.staff.flatMap(\.trainings).filter { $0.completedAt != nil }
        #expect(!completed.isEmpty)
        for training in completed {
            let program = truth.programs.first { $0.programId == training.programId }!
            for (skill, after) in training.levelsAfter ?? [:] where (training.levelsBefore?[skill] ?? 0) + (program.effects[skill] ?? 0) < 0.97 {
                #expect(abs(after - (training.levelsBefore![skill]! + program.effects[skill]!)) < 0.002, "completion adds the true effect")
            }
        }
    }

    /// A planted weakness must show in what guests experience: the weak skill's complaints
    /// come more often for the staff who have it than for the others.
    @Test func plantedWeakSkillsRaiseTheirComplaintCategory() throws {
        var configuration = Self.configuration(days: 60)
        configuration.weakStaffShare = 0.4
        configuration.feedbackRate = 3
        let simulator = RestaurantSimulator(configuration: configuration)
        let records = Self.run(simulator)
        let truth = simulator.groundTruth
        let weakTimeliness = Set(truth.staff.filter { $0.weakSkills.contains { $0.skill == "timeliness" && $0.cause == "planted" } }.map(\.staffId))
        #expect(!weakTimeliness.isEmpty)
        var slow: [Bool: (complaints: Int, answers: Int)] = [true: (0, 0), false: (0, 0)]
        for record in records where record.topic == Topics.guestFeedback {
            guard case .guestFeedback(let feedback)? = try? EventDecoder().decode(record.value).get() else { continue }
            let weak = weakTimeliness.contains(feedback.staffID)
            slow[weak]!.answers += 1
            if feedback.complaints?.contains(.slowService) == true { slow[weak]!.complaints += 1 }
        }
        let weakRate = Double(slow[true]!.complaints) / Double(max(1, slow[true]!.answers))
        let otherRate = Double(slow[false]!.complaints) / Double(max(1, slow[false]!.answers))
        #expect(weakRate > 2 * otherRate, "slow-service complaints: \(weakRate) for weak staff, \(otherRate) for the rest")
    }

    @Test func followedRecommendationsEnrolTheStaffNextMorning() throws {
        let simulator = RestaurantSimulator(configuration: Self.configuration(days: 5))
        _ = simulator.nextDay()
        let member = simulator.groundTruth.staff[0]
        #expect(simulator.receiveRecommendation(staffID: "nobody", programID: "prog-maridaje", followShare: 1) == .unknownStaff)
        #expect(simulator.receiveRecommendation(staffID: member.staffId, programID: "prog-none", followShare: 1) == .unknownProgram)
        #expect(simulator.receiveRecommendation(staffID: member.staffId, programID: "prog-maridaje", followShare: 0) == .declined)
        #expect(simulator.receiveRecommendation(staffID: member.staffId, programID: "prog-maridaje", followShare: 1) == .enrolled)
        #expect(simulator.receiveRecommendation(staffID: member.staffId, programID: "prog-maridaje", followShare: 1) == .alreadyInTraining)
        let next = simulator.nextDay()!
        let enrolments = next.compactMap { record -> StaffEvent? in
            guard case .staffEvent(let event)? = try? EventDecoder().decode(record.value).get(), event.type == .trainingEnrolled else { return nil }
            return event
        }
        #expect(enrolments.contains { $0.staffID == member.staffId && $0.programID == "prog-maridaje" })
        #expect(simulator.groundTruth.staff[0].trainings.contains { $0.programId == "prog-maridaje" && $0.recommended })
    }

    @Test func calendarKnowsPeruvianHolidaysAndWeekdays() {
        let fiestasPatrias = SimulationCalendar.day(year: 2026, month: 7, day: 28)
        #expect(SimulationCalendar.isHoliday(fiestasPatrias))
        #expect(!SimulationCalendar.isHoliday(fiestasPatrias + 2))
        #expect(SimulationCalendar.weekday(SimulationCalendar.day(year: 2026, month: 11, day: 29)) == 0, "29 November 2026 is a Sunday")
        #expect(SimulationCalendar.time(day: fiestasPatrias, minutes: 20 * 60).description == "2026-07-28T20:00:00-05:00")
    }
}

extension RestaurantSimulator {
    /// Runs every remaining day.
    func finished() -> RestaurantSimulator {
        while nextDay() != nil {}
        return self
    }
}
