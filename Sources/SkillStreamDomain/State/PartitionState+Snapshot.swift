import SkillStreamLearning

/// Versioned binary encoding of a partition's state, for checkpoints: decoding what was encoded
/// gives an identical state (the same later outcomes for the same events).
extension PartitionState {
    static let snapshotKind = "domain-partition-state"
    /// Version 2 writes the windows' counts compactly (``SnapshotWriter/writeCompact(_:)``);
    /// version 3 adds when each staff member's role was set (``StaffState/roleSetAt``), and keeps
    /// answered visits with the staff complaints counted for them (``PendingVisit``); version 4
    /// keeps the label of an answer that came before its visit, and counts those whose table
    /// never came; version 5 says how many dead-letter reasons it counts (the contract gained
    /// `invalid_character`); version 6 keeps the shared effects of programs
    /// (``sharedEffects``: records with ``TrainingProgramReference/measuredEffects``) and the
    /// reference records seen (``referenceSeen``; before, they were in the dedupe set). Versions
    /// 1 to 5 are still read.
    static let snapshotVersion = 6
    /// The dead-letter reasons versions 1 to 4 counted: the first of ``Rejection/Reason/allCases``.
    static let reasonsBeforeVersion5 = 13

    public func snapshot() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.writeHeader(kind: Self.snapshotKind, version: Self.snapshotVersion)
        for value in [
            configuration.dedupeHorizonMilliseconds, configuration.allowedLatenessMilliseconds, configuration.labelHorizonMilliseconds,
            configuration.maximumFutureSkewMilliseconds, configuration.maximumForwardJumpMilliseconds,
        ] { writer.write(Int(value)) }
        writer.write(configuration.outlierMinimumSample)
        writer.write(configuration.satisfactionPriorWeight)
        writer.write(configuration.turnoverWindowDays)
        writer.write(Int(newestEventTime))
        writeCounters(&writer)
        let dedupeEntries = dedupe.entries
        writer.write(dedupeEntries.count)
        for entry in dedupeEntries {
            writer.write(entry.hash)
            writer.write(Int(entry.time))
        }
        writer.write(Int(dedupe.newest))
        let restaurantIDs = restaurants.keys.sorted()
        writer.write(restaurantIDs.count)
        for id in restaurantIDs { Self.write(restaurants[id]!, &writer) }
        let staffKeys = staff.keys.sorted { ($0.restaurantID, $0.staffID) < ($1.restaurantID, $1.staffID) }
        writer.write(staffKeys.count)
        for key in staffKeys { Self.write(staff[key]!, &writer) }
        let programIDs = programs.keys.sorted()
        writer.write(programIDs.count)
        for id in programIDs { Self.write(programs[id]!, &writer) }
        let sharedIDs = sharedEffects.keys.sorted()
        writer.write(sharedIDs.count)
        for id in sharedIDs { Self.write(sharedEffects[id]!, &writer) }
        let seen = referenceSeen.sorted()
        writer.write(seen.count)
        for hash in seen { writer.write(hash) }
        let pending = pendingVisits.entries
        writer.write(pending.count)
        for entry in pending {
            writer.write(entry.key)
            writer.write(entry.value.servedAt)
            writer.writeCompact(Int(entry.value.countedComplaints))
            writer.write(entry.value.isAnswered)
            if !entry.value.isAnswered {
                writer.write(pendingFeatures.doubles(entry.value.featureRow))
            } else if entry.value.awaitsItsVisit {
                writer.writeCompact(1 + Int(entry.value.firstAnswerScore))
                writer.writeCompact(Int(entry.value.firstAnswerComplaints))
            } else {
                writer.writeCompact(0)
            }
        }
        return writer.bytes
    }

    public convenience init(snapshot bytes: [UInt8]) throws(LearningError) {
        var reader = SnapshotReader(bytes)
        let version = try reader.readHeader(kind: Self.snapshotKind, versions: 1...Self.snapshotVersion)
        var configuration = DomainConfiguration()
        configuration.dedupeHorizonMilliseconds = Int64(try reader.readInt())
        configuration.allowedLatenessMilliseconds = Int64(try reader.readInt())
        configuration.labelHorizonMilliseconds = Int64(try reader.readInt())
        configuration.maximumFutureSkewMilliseconds = Int64(try reader.readInt())
        configuration.maximumForwardJumpMilliseconds = Int64(try reader.readInt())
        configuration.outlierMinimumSample = try reader.readInt()
        configuration.satisfactionPriorWeight = try reader.readDouble()
        configuration.turnoverWindowDays = try reader.readInt()
        let tenYears: Int64 = 3_650 * 86_400_000
        guard [configuration.dedupeHorizonMilliseconds, configuration.allowedLatenessMilliseconds, configuration.labelHorizonMilliseconds,
            configuration.maximumFutureSkewMilliseconds, configuration.maximumForwardJumpMilliseconds].allSatisfy({ (0...tenYears).contains($0) }),
            (0...1_000_000).contains(configuration.outlierMinimumSample), (0...3_650).contains(configuration.turnoverWindowDays),
            configuration.satisfactionPriorWeight.isFinite, configuration.satisfactionPriorWeight >= 0
        else { throw .invalidSnapshot("configuration out of range") }
        self.init(configuration: configuration)
        try restore(from: &reader, version: version)
        try reader.expectEnd()
        // Earlier releases let a late table of someone who had left count them among the
        // current staff again: nobody with a departure on record is.
        for restaurant in restaurants.values {
            restaurant.activeStaff = restaurant.activeStaff.filter {
                staff[StaffKey(restaurantID: restaurant.restaurantID, staffID: $0)]?.terminatedAt == nil
            }
        }
    }

    private func writeCounters(_ writer: inout SnapshotWriter) {
        for value in [
            counters.consumed, counters.processed, counters.duplicates, counters.late, counters.imputed, counters.winsorized,
            counters.complaintsFromComments, counters.labelsJoined, counters.visitsExpired, counters.answeredTablesNotSeen,
        ] { writer.write(value) }
        writer.write(Rejection.Reason.allCases.count)
        for reason in Rejection.Reason.allCases { writer.write(counters.deadLetteredByReason[reason] ?? 0) }
    }

    static func write(_ header: EventHeader, _ writer: inout SnapshotWriter) {
        writer.write(header.eventID)
        writer.write(header.occurredAt)
        writer.write(header.restaurantID)
    }

    static func write(_ optional: String?, _ writer: inout SnapshotWriter) {
        writer.write(optional != nil)
        if let optional { writer.write(optional) }
    }

    /// Windows are most of a partition's state and almost all small counts: written compactly.
    static func write(_ windows: ServiceWindows, _ writer: inout SnapshotWriter) {
        writer.writeCompact(windows.buckets.count)
        for bucket in windows.buckets {
            for value in [
                Int(bucket.day), Int(bucket.tables), Int(bucket.covers), Int(bucket.itemsOrdered), Int(bucket.itemsIncorrect), Int(bucket.satisfactionCount),
                Int(bucket.feedbackCount), Int(bucket.waitRatioMillis), Int(bucket.satisfactionSum),
            ] { writer.writeCompact(value) }
            for index in 0..<12 { writer.writeCompact(Int(bucket.waitHistogram[index])) }
            for index in 0..<5 { writer.writeCompact(Int(bucket.complaints[index])) }
            writer.writeCompact(Int(bucket.repeatGuests))
            writer.writeCompact(Int(bucket.repeatKnown))
        }
        for ring in [windows.recentWaitRatioMillis, windows.recentAccuracyMillis] {
            writer.writeCompact(ring.count)
            for value in ring { writer.writeCompact(Int(value)) }
        }
        writer.writeCompact(windows.recentNext)
    }

    static func write(_ member: StaffState, _ writer: inout SnapshotWriter) {
        writer.write(member.staffID)
        writer.write(member.restaurantID)
        write(member.role?.rawValue, &writer)
        for time in [member.hiredAt, member.terminatedAt, member.firstSeen, member.roleSetAt] {
            writer.write(time != nil)
            if let time { writer.write(time) }
        }
        writer.write(member.enrolledPrograms.count)
        for program in member.enrolledPrograms { writer.write(program) }
        writer.write(member.completedTrainings.count)
        for training in member.completedTrainings {
            writer.write(training.programID)
            writer.write(training.completedAt)
            writer.write(training.assessmentScore ?? -1)
        }
        write(member.windows, &writer)
    }

    static func write(_ restaurant: RestaurantState, _ writer: inout SnapshotWriter) {
        writer.write(restaurant.restaurantID)
        writer.write(restaurant.reference != nil)
        if let reference = restaurant.reference {
            write(reference.header, &writer)
            for text in [reference.name, reference.city, reference.timezone] { writer.write(text) }
            writer.write(reference.serviceQualityBenchmark)
            writer.write(reference.fineDiningAccreditation)
            writer.write(reference.targetWaitTimeSeconds)
        }
        writer.write(restaurant.satisfactionSum)
        writer.write(restaurant.satisfactionCount)
        writer.write(restaurant.waitQuartiles.lower.snapshotValues)
        writer.write(restaurant.waitQuartiles.upper.snapshotValues)
        write(restaurant.windows, &writer)
        writer.write(restaurant.departures.count)
        for time in restaurant.departures { writer.write(time) }
        let active = restaurant.activeStaff.sorted()
        writer.write(active.count)
        for id in active { writer.write(id) }
    }

    static func write(_ program: TrainingProgramReference, _ writer: inout SnapshotWriter) {
        write(program.header, &writer)
        for text in [program.programID, program.titleES, program.titleEN] { writer.write(text) }
        writer.write(program.skills.map(\.rawValue).joined(separator: ","))
        writer.write(program.roles.map(\.rawValue).joined(separator: ","))
        writer.write(program.durationHours)
        writer.write(program.format.rawValue)
        let measured = Skill.allCases.filter { program.measuredEffects[$0] != nil }
        writer.write(measured.count)
        for skill in measured {
            let effect = program.measuredEffects[skill]!
            writer.write(skill.rawValue)
            writer.write(effect.observations)
            writer.write(effect.meanEffect)
            let partitions = effect.partitions.keys.sorted()
            writer.write(partitions.count)
            for partition in partitions {
                writer.write(Int(partition))
                writer.write(effect.partitions[partition]!.observations)
                writer.write(effect.partitions[partition]!.meanEffect)
            }
        }
    }
}

extension PartitionState {
    func restore(from reader: inout SnapshotReader, version: Int) throws(LearningError) {
        newestEventTime = Int64(try reader.readInt())
        guard newestEventTime == .min || SnapshotReader.plausibleTimes.contains(newestEventTime) else { throw .invalidSnapshot("newest event time") }
        var restored = ProcessingCounters()
        restored.consumed = try reader.readInt()
        restored.processed = try reader.readInt()
        restored.duplicates = try reader.readInt()
        restored.late = try reader.readInt()
        restored.imputed = try reader.readInt()
        restored.winsorized = try reader.readInt()
        restored.complaintsFromComments = try reader.readInt()
        restored.labelsJoined = try reader.readInt()
        restored.visitsExpired = try reader.readInt()
        if version >= 4 { restored.answeredTablesNotSeen = try reader.readInt() }
        let reasons = version >= 5 ? try reader.readCount(elementSize: 8) : Self.reasonsBeforeVersion5
        guard reasons <= Rejection.Reason.allCases.count else { throw .invalidSnapshot("\(reasons) dead-letter reasons, more than this release knows") }
        for reason in Rejection.Reason.allCases.prefix(reasons) {
            let count = try reader.readInt()
            if count > 0 { restored.deadLetteredByReason[reason] = count }
        }
        counters = restored
        let dedupeCount = try reader.readCount(elementSize: 16)
        var entries: [(hash: UInt64, time: Int64)] = []
        entries.reserveCapacity(dedupeCount)
        for _ in 0..<dedupeCount { entries.append((try reader.readUInt64(), Int64(try reader.readInt()))) }
        dedupe = DedupeSet(horizonMilliseconds: configuration.dedupeHorizonMilliseconds, entries: entries, newest: Int64(try reader.readInt()))
        for _ in 0..<(try reader.readCount(elementSize: 8)) {
            let restaurant = try Self.readRestaurant(&reader, compactWindows: version >= 2)
            restaurants[restaurant.restaurantID] = restaurant
        }
        for _ in 0..<(try reader.readCount(elementSize: 8)) {
            let member = try Self.readStaff(&reader, version: version)
            staff[StaffKey(restaurantID: member.restaurantID, staffID: member.staffID)] = member
        }
        for _ in 0..<(try reader.readCount(elementSize: 8)) {
            let program = try Self.readProgram(&reader, version: version)
            programs[program.programID] = program
        }
        if version >= 6 {
            for _ in 0..<(try reader.readCount(elementSize: 8)) {
                let program = try Self.readProgram(&reader, version: version)
                sharedEffects[program.programID] = program
            }
            for _ in 0..<(try reader.readCount(elementSize: 8)) { referenceSeen.insert(try reader.readUInt64()) }
        }
        for _ in 0..<(try reader.readCount(elementSize: 8)) {
            let visit = try reader.readUInt64()
            let servedAt = try reader.readEventTime()
            // Before version 3 only visits waiting for their first answer were kept.
            let counted = version >= 3 ? try Self.readSmall(&reader, UInt8.self, compact: true) : 0
            guard counted < 1 << ComplaintCategory.staffAttributable.count else { throw .invalidSnapshot("complaints counted for a visit") }
            var remembered = PendingVisit(servedAt: servedAt, featureRow: -1, countedComplaints: counted)
            let answered = version >= 3 ? try reader.readBool() : false
            // Since version 4: 0, or 1 + the score of an answer waiting for its visit, then its complaints.
            let firstAnswer = answered && version >= 4 ? try Self.readSmall(&reader, UInt8.self, compact: true) : 0
            if firstAnswer > 0 {
                guard firstAnswer <= 6 else { throw .invalidSnapshot("the score of an answer waiting for its visit") }
                remembered.featureRow = PendingVisit.answeredFirst
                remembered.firstAnswerScore = firstAnswer - 1
                remembered.firstAnswerComplaints = try Self.readSmall(&reader, UInt8.self, compact: true)
            }
            if !answered {
                let features = try reader.readDoubles()
                guard features.count == ServiceFeatures.count else {
                    throw LearningError.invalidSnapshot("a pending visit has \(features.count) features, not \(ServiceFeatures.count)")
                }
                remembered.featureRow = pendingFeatures.allocate()
                pendingFeatures.fill(remembered.featureRow) { values, start in
                    for (offset, value) in features.enumerated() { values[start + offset] = Float(value) }
                }
            }
            pendingVisits.update(visit, time: servedAt.millisecondsSinceEpoch, value: remembered)
        }
    }

    static func readHeader(_ reader: inout SnapshotReader) throws(LearningError) -> EventHeader {
        EventHeader(eventID: try reader.readString(), occurredAt: try reader.readEventTime(), restaurantID: try reader.readString())
    }

    static func readOptionalString(_ reader: inout SnapshotReader) throws(LearningError) -> String? {
        try reader.readBool() ? try reader.readString() : nil
    }

    static func readSmall<T: FixedWidthInteger>(_ reader: inout SnapshotReader, _: T.Type, compact: Bool) throws(LearningError) -> T {
        let value = compact ? try reader.readCompactInt() : try reader.readInt()
        guard let narrow = T(exactly: value) else { throw .invalidSnapshot("\(value) does not fit \(T.self)") }
        return narrow
    }

    /// Reads windows written compactly (version 2) or in fixed eight-byte integers (version 1).
    static func readWindows(_ reader: inout SnapshotReader, compact: Bool) throws(LearningError) -> ServiceWindows {
        var windows = ServiceWindows()
        let buckets = compact ? try readSmall(&reader, UInt16.self, compact: true) : UInt16(try reader.readCount(elementSize: 8))
        for _ in 0..<buckets {
            var bucket = DailyServiceBucket(day: try readSmall(&reader, Int32.self, compact: compact))
            bucket.tables = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.covers = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.itemsOrdered = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.itemsIncorrect = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.satisfactionCount = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.feedbackCount = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.waitRatioMillis = try readSmall(&reader, Int32.self, compact: compact)
            bucket.satisfactionSum = try readSmall(&reader, UInt16.self, compact: compact)
            for index in 0..<12 { bucket.waitHistogram[index] = try readSmall(&reader, UInt16.self, compact: compact) }
            for index in 0..<5 { bucket.complaints[index] = try readSmall(&reader, UInt16.self, compact: compact) }
            bucket.repeatGuests = try readSmall(&reader, UInt16.self, compact: compact)
            bucket.repeatKnown = try readSmall(&reader, UInt16.self, compact: compact)
            windows.buckets.append(bucket)
        }
        // The windows' running totals and reads rely on one bucket per day, oldest first, all
        // within the longest window of the newest.
        guard zip(windows.buckets, windows.buckets.dropFirst()).allSatisfy({ $0.day < $1.day }),
            Int64(windows.buckets.first?.day ?? 0) > Int64(windows.buckets.last?.day ?? 0) - Int64(ServiceWindows.longDays)
        else { throw .invalidSnapshot("service days out of order or more than \(ServiceWindows.longDays) days apart") }
        if compact {
            for ring in 0..<2 {
                let count = try readSmall(&reader, UInt16.self, compact: true)
                guard count <= ServiceWindows.recentCapacity else { throw .invalidSnapshot("recent services") }
                var values: [Int32] = []
                for _ in 0..<count { values.append(try readSmall(&reader, Int32.self, compact: true)) }
                if ring == 0 { windows.recentWaitRatioMillis = values } else { windows.recentAccuracyMillis = values }
            }
            windows.recentNext = try reader.readCompactInt()
        } else {
            let waits = try reader.readDoubles()
            let accuracies = try reader.readDoubles()
            guard (waits + accuracies).allSatisfy({ $0 == $0.rounded() && abs($0) <= Double(Int32.max) }) else { throw .invalidSnapshot("recent services") }
            windows.recentWaitRatioMillis = waits.map { Int32($0) }
            windows.recentAccuracyMillis = accuracies.map { Int32($0) }
            windows.recentNext = try reader.readInt()
        }
        windows.rebuildTotals()
        guard windows.recentWaitRatioMillis.count == windows.recentAccuracyMillis.count,
            windows.recentWaitRatioMillis.count <= ServiceWindows.recentCapacity, (0..<max(1, ServiceWindows.recentCapacity)).contains(windows.recentNext)
        else { throw .invalidSnapshot("recent services") }
        return windows
    }

    static func readStaff(_ reader: inout SnapshotReader, version: Int) throws(LearningError) -> StaffState {
        let member = StaffState(staffID: try reader.readString(), restaurantID: try reader.readString())
        let role = try readOptionalString(&reader).map { text throws(LearningError) in
            guard let role = Role(rawValue: text) else { throw .invalidSnapshot("unknown role \(text)") }
            return role
        }
        member.hiredAt = try reader.readBool() ? try reader.readEventTime() : nil
        member.terminatedAt = try reader.readBool() ? try reader.readEventTime() : nil
        member.firstSeen = try reader.readBool() ? try reader.readEventTime() : nil
        // Before version 3 nobody knew when: any later record may set the role, as it could then.
        let roleSetAt = version >= 3 ? try reader.readBool() ? try reader.readEventTime() : nil : nil
        member.restoreRole(role, setAt: roleSetAt)
        for _ in 0..<(try reader.readCount(elementSize: 8)) { member.enrolledPrograms.append(try reader.readString()) }
        for _ in 0..<(try reader.readCount(elementSize: 8)) {
            let program = try reader.readString()
            let time = try reader.readEventTime()
            let score = try reader.readDouble()
            member.completedTrainings.append(.init(programID: program, completedAt: time, assessmentScore: score < 0 ? nil : score))
        }
        member.windows = try readWindows(&reader, compact: version >= 2)
        return member
    }

    static func readRestaurant(_ reader: inout SnapshotReader, compactWindows: Bool) throws(LearningError) -> RestaurantState {
        let restaurant = RestaurantState(restaurantID: try reader.readString())
        if try reader.readBool() {
            restaurant.reference = RestaurantReference(
                header: try readHeader(&reader), name: try reader.readString(), city: try reader.readString(), timezone: try reader.readString(),
                serviceQualityBenchmark: try reader.readDouble(), fineDiningAccreditation: try reader.readBool(),
                targetWaitTimeSeconds: try reader.readDouble())
        }
        restaurant.satisfactionSum = try reader.readDouble()
        restaurant.satisfactionCount = try reader.readInt()
        guard let lower = StreamingQuantile(quantile: 0.25, snapshotValues: try reader.readDoubles()),
            let upper = StreamingQuantile(quantile: 0.75, snapshotValues: try reader.readDoubles())
        else { throw .invalidSnapshot("wait-time quartiles") }
        restaurant.waitQuartiles = QuartileEstimate(lower: lower, upper: upper)
        restaurant.windows = try readWindows(&reader, compact: compactWindows)
        for _ in 0..<(try reader.readCount(elementSize: 16)) { restaurant.departures.append(try reader.readEventTime()) }
        for _ in 0..<(try reader.readCount(elementSize: 8)) { restaurant.activeStaff.insert(try reader.readString()) }
        return restaurant
    }

    static func readProgram(_ reader: inout SnapshotReader, version: Int) throws(LearningError) -> TrainingProgramReference {
        let header = try readHeader(&reader)
        let programID = try reader.readString()
        let titleES = try reader.readString()
        let titleEN = try reader.readString()
        var skills: [Skill] = []
        for name in try reader.readString().split(separator: ",") {
            guard let skill = Skill(rawValue: String(name)) else { throw .invalidSnapshot("unknown skill \(name)") }
            skills.append(skill)
        }
        var roles: [Role] = []
        for name in try reader.readString().split(separator: ",") {
            guard let role = Role(rawValue: String(name)) else { throw .invalidSnapshot("unknown role \(name)") }
            roles.append(role)
        }
        var program = TrainingProgramReference(
            header: header, programID: programID, titleES: titleES, titleEN: titleEN, skills: skills, roles: roles,
            durationHours: try reader.readDouble(), format: try reader.readEnum(TrainingFormat.self))
        guard version >= 6 else { return program }
        for _ in 0..<(try reader.readCount(elementSize: 32)) {
            let skill = try reader.readEnum(Skill.self)
            let observations = try reader.readInt()
            guard observations > 0 else { throw .invalidSnapshot("\(observations) measured trainings of \(programID)") }
            var effect = MeasuredEffect(observations: observations, meanEffect: try reader.readDouble())
            for _ in 0..<(try reader.readCount(elementSize: 24)) {
                guard let partition = Int32(exactly: try reader.readInt()), partition >= 0 else { throw .invalidSnapshot("a partition of \(programID)") }
                effect.partitions[partition] = MeasuredEffect.Part(observations: try reader.readInt(), meanEffect: try reader.readDouble())
            }
            program.measuredEffects[skill] = effect
        }
        return program
    }
}

// MARK: - Shared coding of contract values, for every checkpoint that holds them

extension SnapshotWriter {
    public mutating func write(_ time: EventTime) {
        write(Int(time.millisecondsSinceEpoch))
        write(Int(time.offsetMinutes))
    }
}

extension SnapshotReader {
    /// Years 1900 to 2200: anything else in a snapshot is corruption.
    static let plausibleTimes: ClosedRange<Int64> = -2_208_988_800_000...7_258_118_400_000

    public mutating func readEventTime() throws(LearningError) -> EventTime {
        let milliseconds = Int64(try readInt())
        let offset = try readInt()
        guard (-24 * 60 + 1...24 * 60 - 1).contains(offset), Self.plausibleTimes.contains(milliseconds) else {
            throw .invalidSnapshot("timestamp \(milliseconds) with offset \(offset)")
        }
        return EventTime(millisecondsSinceEpoch: milliseconds, offsetMinutes: Int16(offset))
    }

    /// A contract enumeration by its raw value.
    public mutating func readEnum<E: RawRepresentable>(_: E.Type) throws(LearningError) -> E where E.RawValue == String {
        let text = try readString()
        guard let value = E(rawValue: text) else { throw .invalidSnapshot("unknown \(E.self) '\(text)'") }
        return value
    }
}
