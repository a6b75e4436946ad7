import Foundation
import SkillStreamDomain
import SkillStreamLearning

/// A population of restaurants and service staff with known, hidden skills, whose table
/// visits, guest feedback and HR events follow the contract. Run it a day at a time with
/// ``nextDay()``; ``groundTruth`` says what was really going on. Deterministic: one seed,
/// one stream of records, byte for byte. Pure: it makes records, others write them.
///
/// The world, in short (README "Simulator" has the details): restaurants in Lima, Cusco and
/// Arequipa with lunch and dinner services, busier on Friday and Saturday and on national
/// holidays; each table is served by one server, captain, sommelier or bartender whose latent
/// skills set the wait, the order errors and the guest's chance of an incident in each skill;
/// a kitchen's bad month and noisy busy nights hurt guests too, and are not the staff's fault;
/// guests answer the survey for a minority of visits, minutes to days later, more often when
/// delighted or angry; staff leave and are replaced by weaker new hires who improve with
/// tenure; trainings raise the skills they target by the program's true effect.
public final class RestaurantSimulator {
    public let configuration: SimulationConfiguration
    private var random: RandomSource
    /// Separate draws for following recommendations, so that closing the loop does not change
    /// the rest of the world's randomness.
    private var recommendationRandom: RandomSource
    private var restaurants: [SimulatedRestaurant] = []
    private var staff: [SimulatedStaff] = []
    private var staffIndex: [String: Int] = [:]
    private var queue = RecordQueue()
    /// HR actions scheduled for a later day.
    private var scheduled: [Int32: [ScheduledAction]] = [:]
    private var day: Int32
    private var eventNumber = 0
    private var faults = GroundTruth.FaultCounts()
    private var recordsPerTopic: [String: Int] = [:]
    private let programs = SimulationCatalog.programs

    private enum ScheduledAction {
        case hire(restaurant: Int, role: Role)
        case enrol(staff: Int, program: Int, recommended: Bool)
        case complete(staff: Int, program: Int)
        /// Left the course without completing it: free to be enrolled again.
        case dropOut(staff: Int)
    }

    /// What became of a recommendation the simulator was shown.
    public enum RecommendationOutcome: String, Sendable {
        case enrolled, declined, unknownStaff, unknownProgram, notEmployed, alreadyInTraining
    }

    public init(configuration: SimulationConfiguration) {
        self.configuration = configuration
        random = RandomSource(seed: configuration.seed)
        recommendationRandom = RandomSource(seed: configuration.seed ^ 0x5EED_0F_4EC0)
        day = configuration.startDay
        buildWorld()
    }

    /// The first simulated instant.
    public var start: EventTime { SimulationCalendar.time(day: configuration.startDay, minutes: 0) }
    /// The instant the simulation stops: records sent later are never sent.
    public var end: EventTime { SimulationCalendar.time(day: configuration.startDay + Int32(configuration.days), minutes: 0) }

    /// Simulates the next day and returns the records sent during it, in order; nil once every
    /// day has been simulated.
    public func nextDay() -> [SimulatedRecord]? {
        guard day < configuration.startDay + Int32(configuration.days) else { return nil }
        simulate(day)
        day += 1
        return send(queue.popAll(before: SimulationCalendar.time(day: day, minutes: 0).millisecondsSinceEpoch))
    }

    /// Shows the simulator a training recommendation SkillStream published: with the chance
    /// `followShare`, the staff member is enrolled in the program the next morning.
    public func receiveRecommendation(staffID: String, programID: String, followShare: Double) -> RecommendationOutcome {
        guard let member = staffIndex[staffID] else { return .unknownStaff }
        guard let program = programs.firstIndex(where: { $0.programID == programID }) else { return .unknownProgram }
        guard staff[member].isActive else { return .notEmployed }
        guard staff[member].enrolledProgram == nil else { return .alreadyInTraining }
        guard recommendationRandom.chance(followShare) else { return .declined }
        staff[member].enrolledProgram = program
        scheduled[day, default: []].append(.enrol(staff: member, program: program, recommended: true))
        return .enrolled
    }

    /// What was really going on, so far.
    public var groundTruth: GroundTruth {
        let now = min(SimulationCalendar.time(day: day, minutes: 0), end)
        return GroundTruth(
            seed: configuration.seed, start: start.description, end: now.description, weakLevel: configuration.weakLevel,
            restaurants: restaurants.map { restaurant in
                var confounders: [GroundTruth.Confounder] = []
                if let bad = restaurant.kitchenBadDays {
                    confounders.append(
                        .init(kind: "kitchen_bad_month", from: SimulationCalendar.time(day: bad.lowerBound, minutes: 0).description,
                              to: SimulationCalendar.time(day: bad.upperBound, minutes: 0).description))
                }
                for night in restaurant.busyNights {
                    confounders.append(
                        .init(kind: "busy_night", from: SimulationCalendar.time(day: night, minutes: Self.dinner.start).description,
                              to: SimulationCalendar.time(day: night + 1, minutes: 0).description))
                }
                return GroundTruth.Restaurant(
                    restaurantId: restaurant.id, name: restaurant.name, city: restaurant.city, serviceQualityBenchmark: restaurant.benchmark,
                    fineDiningAccreditation: restaurant.accredited, targetWaitTimeSeconds: restaurant.targetWaitSeconds, confounders: confounders)
            },
            staff: staff.map { member in
                GroundTruth.StaffMember(
                    staffId: member.id, restaurantId: restaurants[member.restaurant].id, role: member.role.rawValue,
                    hiredAt: member.hiredAt.description, terminatedAt: member.terminatedAt?.description,
                    weakSkills: member.weakPeriods + member.openWeakness.compactMap { $0 }, trainings: member.trainings)
            },
            programs: programs.map { program in
                GroundTruth.Program(
                    programId: program.programID, effects: Dictionary(uniqueKeysWithValues: program.effects.map { ($0.skill.rawValue, $0.effect) }))
            },
            faults: faults, recordsPerTopic: recordsPerTopic)
    }

    // MARK: - Building the world

    private static let lunch = (start: 12.5 * 60, end: 15.0 * 60, share: 0.4)
    private static let dinner = (start: 19.0 * 60, end: 22.5 * 60, share: 0.6)

    private func buildWorld() {
        let startDay = configuration.startDay
        var cityCounts = [Int](repeating: 0, count: SimulationCatalog.cities.count)
        for number in 0..<configuration.restaurants {
            let city = random.weighted(SimulationCatalog.cities.map(\.share))
            cityCounts[city] += 1
            let names = SimulationCatalog.restaurantNames
            let name = names[number % names.count] + (number >= names.count ? " \(number / names.count + 1)" : "")
            let kitchenBad: Range<Int32>?
            if random.chance(configuration.kitchenIncidentShare), configuration.days >= 14 {
                let from = startDay + Int32(random.uniform(0.1...0.6) * Double(configuration.days))
                kitchenBad = from..<(from + 30)
            } else {
                kitchenBad = nil
            }
            let tableStaff = Double(configuration.staffPerRestaurant) * 0.74
            restaurants.append(
                SimulatedRestaurant(
                    id: "\(SimulationCatalog.cities[city].code)-\(pad(number + 1, 2))", name: name, city: SimulationCatalog.cities[city].name,
                    benchmark: (random.uniform(78...94) * 10).rounded() / 10, accredited: random.chance(0.5),
                    targetWaitSeconds: Double(Int(random.uniform(10...18)) * 60), baseTablesPerDay: tableStaff * 4.5 * random.uniform(0.85...1.15),
                    kitchenBadDays: kitchenBad))
        }
        let referenceTime = SimulationCalendar.time(day: startDay - 1, minutes: 9 * 60)
        for program in programs {
            emit(
                .trainingProgram(
                    TrainingProgramReference(
                        header: header(referenceTime, restaurantID: restaurants[0].id), programID: program.programID, titleES: program.titleES,
                        titleEN: program.titleEN, skills: program.skills, roles: program.roles, durationHours: program.durationHours,
                        format: program.format)),
                sentAt: referenceTime.millisecondsSinceEpoch)
        }
        for restaurant in restaurants {
            emit(
                .restaurant(
                    RestaurantReference(
                        header: header(referenceTime, restaurantID: restaurant.id), name: restaurant.name, city: restaurant.city,
                        timezone: "America/Lima", serviceQualityBenchmark: restaurant.benchmark, fineDiningAccreditation: restaurant.accredited,
                        targetWaitTimeSeconds: restaurant.targetWaitSeconds)),
                sentAt: referenceTime.millisecondsSinceEpoch)
        }
        // The roster the HR system holds when SkillStream starts: hires at their real dates,
        // sent together right after the reference data.
        for restaurant in restaurants.indices {
            for _ in 0..<configuration.staffPerRestaurant {
                let role = SimulationCatalog.roleShares[random.weighted(SimulationCatalog.roleShares.map(\.1))].0
                let hiredDay = startDay - 1 - Int32(random.uniform(10...1_500))
                hire(restaurant: restaurant, role: role, on: hiredDay, sentAt: referenceTime.millisecondsSinceEpoch + 1)
            }
        }
    }

    private func hire(restaurant: Int, role: Role, on hiredDay: Int32, sentAt: Int64?) {
        restaurants[restaurant].nextStaffNumber += 1
        let id = "\(restaurants[restaurant].id)-s\(pad(restaurants[restaurant].nextStaffNumber, 3))"
        let skills = Skill.allCases.count
        // Competent staff differ, but stay well above the weak level; planted weaknesses fall well below it.
        let base = (0..<skills).map { _ in min(0.95, max(0.65, 0.8 + 0.05 * random.nextNormal())) }
        var planted: [(skill: Int, fromDay: Int32, drop: Double)] = []
        if random.chance(configuration.weakStaffShare) {
            let relevance = Skill.allCases.map { SimulationCatalog.relevance($0, for: role) }
            let first = random.weighted(relevance)
            var chosen = [first]
            if random.chance(0.3) {
                let second = random.weighted(relevance.enumerated().map { $0.offset == first ? 0 : $0.element })
                chosen.append(second)
            }
            let startDay = configuration.startDay
            let from = max(hiredDay, startDay + Int32(random.uniform(0.1...0.6) * Double(configuration.days)))
            for skill in chosen { planted.append((skill, from, random.uniform(0.35...0.5))) }
        }
        var workdays: UInt8 = 0b111_1111
        // Two days off, never both Friday and Saturday.
        let offA = random.index(5)  // Sunday…Thursday
        var offB = random.index(7)
        while offB == offA || offB == 5 && offA == 6 { offB = random.index(7) }
        workdays &= ~(1 << UInt8(offA))
        workdays &= ~(1 << UInt8(offB))
        let hiredAt = SimulationCalendar.time(day: hiredDay, minutes: 9 * 60 + random.uniform(0...120))
        var member = SimulatedStaff(
            id: id, restaurant: restaurant, role: role, hiredDay: hiredDay, hiredAt: hiredAt, baseLevels: base,
            drift: [Double](repeating: 0, count: skills), trainingGain: [Double](repeating: 0, count: skills), planted: planted,
            workdays: workdays, levels: [], openWeakness: [GroundTruth.WeakPeriod?](repeating: nil, count: skills))
        member.levels = member.computeLevels(on: max(hiredDay, configuration.startDay))
        staffIndex[id] = staff.count
        restaurants[restaurant].staff.append(staff.count)
        staff.append(member)
        emit(
            .staffEvent(StaffEvent(header: header(hiredAt, restaurantID: restaurants[restaurant].id), staffID: id, type: .hired, role: role)),
            sentAt: sentAt ?? hiredAt.millisecondsSinceEpoch)
    }

    // MARK: - A day

    private func simulate(_ day: Int32) {
        morningHR(day)
        for index in staff.indices where staff[index].isActive { updateLevels(index, day) }
        for restaurant in restaurants.indices { serve(restaurant, day) }
    }

    /// Departures, hires, enrolments and completions, between 09:00 and 11:00.
    private func morningHR(_ day: Int32) {
        for action in scheduled.removeValue(forKey: day) ?? [] {
            switch action {
            case .hire(let restaurant, let role): hire(restaurant: restaurant, role: role, on: day, sentAt: nil)
            case .enrol(let member, let program, let recommended): enrol(member, program, day, recommended: recommended)
            case .complete(let member, let program): complete(member, program, day)
            case .dropOut(let member): staff[member].enrolledProgram = nil
            }
        }
        for restaurant in restaurants.indices {
            for member in restaurants[restaurant].staff where staff[member].isActive {
                if random.chance(configuration.dailyTurnover) {
                    let time = SimulationCalendar.time(day: day, minutes: 9 * 60 + random.uniform(0...120))
                    staff[member].terminatedAt = time
                    closeWeakPeriods(member, at: time)
                    emit(.staffEvent(StaffEvent(header: header(time, restaurantID: restaurants[restaurant].id), staffID: staff[member].id, type: .terminated)))
                    scheduled[day + Int32(3 + random.index(8)), default: []].append(.hire(restaurant: restaurant, role: staff[member].role))
                } else if staff[member].enrolledProgram == nil, random.chance(configuration.dailyTrainingEnrolment) {
                    let suitable = programs.indices.filter { programs[$0].roles.contains(staff[member].role) }
                    if !suitable.isEmpty {
                        enrol(member, suitable[random.index(suitable.count)], day, recommended: false)
                    }
                } else if staff[member].role == .runner, random.chance(0.0005) {
                    staff[member].role = .server
                    let time = SimulationCalendar.time(day: day, minutes: 9 * 60 + random.uniform(0...120))
                    emit(
                        .staffEvent(
                            StaffEvent(header: header(time, restaurantID: restaurants[restaurant].id), staffID: staff[member].id, type: .roleChanged, role: .server)))
                }
            }
            restaurants[restaurant].staff.removeAll { !staff[$0].isActive }
        }
    }

    private func enrol(_ member: Int, _ program: Int, _ day: Int32, recommended: Bool) {
        guard staff[member].isActive else { return }
        let time = SimulationCalendar.time(day: day, minutes: 9 * 60 + random.uniform(0...120))
        staff[member].enrolledProgram = program
        staff[member].trainings.append(.init(programId: programs[program].programID, enrolledAt: time.description, recommended: recommended))
        emit(
            .staffEvent(
                StaffEvent(
                    header: header(time, restaurantID: restaurants[staff[member].restaurant].id), staffID: staff[member].id, type: .trainingEnrolled,
                    programID: programs[program].programID)))
        let days: Int
        switch programs[program].format {
        case .inPerson: days = 1 + random.index(7)
        case .online: days = 1 + random.index(14)
        case .shadowing: days = 5 + random.index(16)
        }
        if random.chance(0.85) {
            scheduled[day + Int32(days), default: []].append(.complete(staff: member, program: program))
        } else {
            scheduled[day + Int32(days), default: []].append(.dropOut(staff: member))
        }
    }

    private func complete(_ member: Int, _ program: Int, _ day: Int32) {
        staff[member].enrolledProgram = nil
        guard staff[member].isActive else { return }
        let time = SimulationCalendar.time(day: day, minutes: 16 * 60 + random.uniform(0...120))
        let effects = programs[program].effects
        let before = staff[member].computeLevels(on: day)
        for (skill, effect) in effects { staff[member].trainingGain[Skill.allCases.firstIndex(of: skill)!] += effect }
        let after = staff[member].computeLevels(on: day)
        staff[member].levels = after
        let trained = effects.map { Skill.allCases.firstIndex(of: $0.skill)! }
        if let index = staff[member].trainings.lastIndex(where: { $0.programId == programs[program].programID && $0.completedAt == nil }) {
            staff[member].trainings[index].completedAt = time.description
            staff[member].trainings[index].levelsBefore = Dictionary(uniqueKeysWithValues: trained.map { (Skill.allCases[$0].rawValue, rounded(before[$0])) })
            staff[member].trainings[index].levelsAfter = Dictionary(uniqueKeysWithValues: trained.map { (Skill.allCases[$0].rawValue, rounded(after[$0])) })
        }
        let mean = trained.map { after[$0] }.reduce(0, +) / Double(max(1, trained.count))
        let score = min(100, max(0, (40 + 55 * mean + 8 * random.nextNormal()).rounded()))
        emit(
            .staffEvent(
                StaffEvent(
                    header: header(time, restaurantID: restaurants[staff[member].restaurant].id), staffID: staff[member].id, type: .trainingCompleted,
                    programID: programs[program].programID, assessmentScore: score)))
    }

    /// Today's levels, and the ground truth's weak periods opened or closed.
    private func updateLevels(_ index: Int, _ day: Int32) {
        for skill in staff[index].drift.indices {
            staff[index].drift[skill] += 0.004 * random.nextNormal() - 0.05 * staff[index].drift[skill]
        }
        let levels = staff[index].computeLevels(on: day)
        staff[index].levels = levels
        let midnight = SimulationCalendar.time(day: day, minutes: 0)
        for skill in levels.indices {
            let weak = levels[skill] < configuration.weakLevel
            if weak, var open = staff[index].openWeakness[skill] {
                open.lowestLevel = min(open.lowestLevel, rounded(levels[skill]))
                staff[index].openWeakness[skill] = open
            } else if weak {
                let planted = staff[index].planted.contains { $0.skill == skill && day >= $0.fromDay }
                let cause = planted ? "planted" : day - staff[index].hiredDay < 60 ? "new_hire" : "drift"
                staff[index].openWeakness[skill] = .init(
                    skill: Skill.allCases[skill].rawValue, from: midnight.description, to: nil, cause: cause, lowestLevel: rounded(levels[skill]))
            } else if var open = staff[index].openWeakness[skill] {
                open.to = midnight.description
                staff[index].weakPeriods.append(open)
                staff[index].openWeakness[skill] = nil
            }
        }
    }

    private func closeWeakPeriods(_ index: Int, at time: EventTime) {
        for skill in staff[index].openWeakness.indices {
            if var open = staff[index].openWeakness[skill] {
                open.to = time.description
                staff[index].weakPeriods.append(open)
                staff[index].openWeakness[skill] = nil
            }
        }
    }

    /// Lunch and dinner: tables, their guests' outcomes, and the feedback that comes later.
    private func serve(_ restaurant: Int, _ day: Int32) {
        let weekdayLoad = [1.1, 0.7, 0.8, 0.9, 1.0, 1.35, 1.45][SimulationCalendar.weekday(day)]
        let load = weekdayLoad * (SimulationCalendar.isHoliday(day) ? 1.5 : 1)
        let onShift = restaurants[restaurant].staff.filter {
            SimulationCatalog.tableRoles.contains(staff[$0].role) && staff[$0].works(on: day)
        }
        guard !onShift.isEmpty else { return }
        let kitchenBad = restaurants[restaurant].kitchenBadDays?.contains(day) ?? false
        for period in [Self.lunch, Self.dinner] {
            let expected = restaurants[restaurant].baseTablesPerDay * period.share * load
            let tables = random.poisson(expected)
            // Tables per server on shift against an ordinary day's: above 1, everyone is stretched.
            let normalPerServer = restaurants[restaurant].baseTablesPerDay * period.share / (Double(configuration.staffPerRestaurant) * 0.74 * 5 / 7)
            let stretch = Double(tables) / Double(onShift.count) / normalPerServer
            let busyNight = period.start == Self.dinner.start && load >= 1.3
            if busyNight { restaurants[restaurant].busyNights.append(day) }
            for _ in 0..<tables {
                let server = onShift[random.index(onShift.count)]
                let seated = SimulationCalendar.time(day: day, minutes: random.uniform(period.start...period.end))
                visit(restaurant, server, seated, load: max(load, stretch), kitchenBad: kitchenBad, busyNight: busyNight)
            }
        }
    }

    private func visit(_ restaurant: Int, _ server: Int, _ seated: EventTime, load: Double, kitchenBad: Bool, busyNight: Bool) {
        let levels = staff[server].levels
        let role = staff[server].role
        let target = restaurants[restaurant].targetWaitSeconds
        let covers = [1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 5, 6, 6, 8][random.index(20)]
        let timeliness = levels[0]
        let skillFactor = 0.55 + 0.9 * (1 - timeliness)
        let loadFactor = 1 + 0.3 * max(0, load - 1)
        let sizeFactor = 1 + 0.04 * Double(covers - 2)
        let waitFactor = skillFactor * loadFactor * sizeFactor * exp(0.25 * random.nextNormal())
        let wait = (target * waitFactor).rounded()
        let items = covers * (2 + random.index(3)) + (random.chance(0.6) ? 1 : 0)
        let errorChance = 0.003 + 0.15 * (1 - levels[1]) * (1 - levels[1])
        var errors = 0
        for _ in 0..<items where random.chance(errorChance) { errors += 1 }
        // Incidents the guest lived through, each pointing at a skill or at a confounder.
        var incidents: [ComplaintCategory] = []
        if wait > 1.35 * target { incidents.append(.slowService) }
        if errors > 0 { incidents.append(.orderError) }
        // Competent people rarely slip; below 0.7 lapses come fast (a weak sommelier misjudges
        // most pairings).
        for (skill, category) in [(2, ComplaintCategory.inattentiveOrRude), (3, .poorRecommendation), (4, .etiquetteLapse)] {
            let relevance = SimulationCatalog.relevance(Skill.allCases[skill], for: role)
            let shortfall = max(0, 0.7 - levels[skill])
            if random.chance(min(0.9, (0.01 + 2 * shortfall * shortfall.squareRoot()) * relevance)) { incidents.append(category) }
        }
        let staffIncidents = incidents.count
        if random.chance(kitchenBad ? 0.35 : 0.04) { incidents.append(.foodQuality) }
        if random.chance(busyNight ? 0.18 : 0.02) { incidents.append(.noiseOrAmbience) }
        if random.chance(0.03) { incidents.append(.price) }
        let confounders = incidents.count - staffIncidents
        let latent = 4.6 - 1.0 * Double(staffIncidents) - 0.8 * Double(confounders) - 0.3 * max(0, wait / target - 1) + 0.45 * random.nextNormal()
        let score = Int(min(5, max(1, latent.rounded())))
        let dining = ((70 + 8 * Double(covers) + random.uniform(0...40)) * 60).rounded()
        let closed = EventTime(millisecondsSinceEpoch: seated.millisecondsSinceEpoch + Int64((wait + dining) * 1_000), offsetMinutes: seated.offsetMinutes)
        restaurants[restaurant].nextVisitNumber += 1
        let restaurantID = restaurants[restaurant].id
        let visitID = "\(restaurantID)-v\(restaurants[restaurant].nextVisitNumber)"
        emit(
            .tableService(
                TableServiceEvent(
                    header: header(closed, restaurantID: restaurantID), staffID: staff[server].id, visitID: visitID,
                    tableID: "T\(1 + random.index(30))", covers: covers, seatedAt: seated, waitTimeSeconds: wait, itemsOrdered: items,
                    itemsIncorrect: errors, checkTotalPEN: (Double(covers) * random.uniform(180...420)).rounded())))
        // The survey: answered more often by the delighted and the angry, and by guests with
        // something to complain about.
        let extremity = Double(abs(score - 3)) / 2
        let grievance = incidents.isEmpty ? 0 : 0.3
        guard random.chance(configuration.feedbackRate * (0.10 + 0.25 * extremity + grievance)) else { return }
        let delayMinutes = min(6 * 24 * 60, max(5, exp(log(180.0) + 1.4 * random.nextNormal()))).rounded()
        let answered = EventTime(
            millisecondsSinceEpoch: closed.millisecondsSinceEpoch + Int64(delayMinutes * 60_000), offsetMinutes: closed.offsetMinutes)
        let complaints = incidents.filter { _ in random.chance(0.85) }
        let asCategories = !complaints.isEmpty && random.chance(0.6)
        let wantsComment = complaints.isEmpty ? random.chance(0.2) : asCategories ? random.chance(0.3) : random.chance(0.85)
        let comment = wantsComment ? GuestComments.comment(for: complaints, spanish: random.chance(0.7), random: &random) : nil
        emit(
            .guestFeedback(
                GuestFeedbackEvent(
                    header: header(answered, restaurantID: restaurantID), staffID: staff[server].id, visitID: random.chance(0.95) ? visitID : nil,
                    satisfaction: random.chance(0.08) ? nil : score, complaints: asCategories ? complaints : nil, comment: comment,
                    repeatCustomer: random.chance(score >= 4 ? 0.3 : 0.15))))
    }

    // MARK: - Records

    private func header(_ time: EventTime, restaurantID: String) -> EventHeader {
        eventNumber += 1
        return EventHeader(eventID: "sim\(configuration.seed)-e\(eventNumber)", occurredAt: time, restaurantID: restaurantID)
    }

    /// Encodes an event and queues it, sent at its event time unless told otherwise, with the
    /// configured faults applied.
    private func emit(_ event: ContractEvent, sentAt: Int64? = nil) {
        var record = SimulatedRecord(
            topic: event.schema.topic, key: event.messageKey, value: EventEncoder.encode(event), sentAt: sentAt ?? event.header.occurredAt.millisecondsSinceEpoch,
            fault: nil)
        let rates = configuration.faults
        if sentAt == nil {
            if random.chance(rates.malformed) {
                let (bytes, reason) = MalformedMessages.corrupt(record.value, random: &random)
                record.value = bytes
                record.fault = .malformed(reason)
            } else if random.chance(rates.late) {
                record.sentAt += Int64(random.uniform(8...48) * 3_600_000)
                record.fault = .late
            } else if random.chance(rates.outOfOrder) {
                record.sentAt += Int64(random.uniform(1...45) * 60_000)
                record.fault = .outOfOrder
            }
            if random.chance(rates.duplicate) {
                var copy = record
                copy.sentAt += Int64(random.uniform(0...3) * 3_600_000)
                // A copy of a malformed message is no duplicate to skip: it is dead-lettered too,
                // for the same reason, and counted so.
                if case .malformed? = record.fault {} else { copy.fault = .duplicate }
                queue.push(copy)
            }
        }
        queue.push(record)
    }

    /// Counts what is sent, records and faults, dropping what would be sent after the end.
    private func send(_ records: [SimulatedRecord]) -> [SimulatedRecord] {
        let end = self.end.millisecondsSinceEpoch
        let sent = records.filter { $0.sentAt < end }
        for record in sent {
            recordsPerTopic[record.topic, default: 0] += 1
            switch record.fault {
            case nil: break
            case .duplicate?: faults.duplicates += 1
            case .outOfOrder?: faults.outOfOrder += 1
            case .late?: faults.late += 1
            case .malformed(let reason)?: faults.malformedByReason[reason.rawValue, default: 0] += 1
            }
        }
        return sent
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    private func rounded(_ level: Double) -> Double { (level * 1_000).rounded() / 1_000 }
}
