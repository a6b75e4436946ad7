import SkillStreamLearning

/// What cleansing did to an accepted event.
public struct CleansingNotes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A missing satisfaction score was imputed with the restaurant's running mean.
    public static let imputedSatisfaction = CleansingNotes(rawValue: 1)
    /// The wait time was outside the restaurant's 1.5 × IQR fence and was winsorized for the
    /// features (the raw value is kept in the event).
    public static let winsorizedWaitTime = CleansingNotes(rawValue: 2)
    /// Complaint categories were read from the comment, the survey having given none.
    public static let complaintsFromComment = CleansingNotes(rawValue: 4)
    /// The feedback was joined to its table visit (a labelled example was produced).
    public static let joinedVisit = CleansingNotes(rawValue: 8)
    /// Later than the allowed lateness: used to join labels but not added to the windows.
    public static let late = CleansingNotes(rawValue: 16)
    /// An HR record repeating one already applied (the same completion sent again under
    /// another event id): it changes nothing, and starts nothing.
    public static let repeated = CleansingNotes(rawValue: 32)
}

/// What became of one consumed message.
public enum ProcessingOutcome: Sendable, Hashable {
    /// Valid and applied (perhaps repaired, perhaps late: see the notes).
    case processed(ContractEvent, CleansingNotes)
    /// Seen before within the dedupe horizon: counted and skipped.
    case duplicate
    /// Refused: goes to the dead-letter topic with this reason.
    case deadLetter(Rejection)
}

/// Counters per outcome and reason. They always balance:
/// `consumed == processed + deadLettered + duplicates`.
public struct ProcessingCounters: Sendable, Hashable {
    public var consumed = 0
    public var processed = 0
    public var duplicates = 0
    public var late = 0
    public var imputed = 0
    public var winsorized = 0
    public var complaintsFromComments = 0
    public var labelsJoined = 0
    public var visitsExpired = 0
    /// Tables that answers named but that were not remembered when the answers came, and did
    /// not come within the label horizon either: never sent, sent later than that, or served
    /// more than the label horizon before the answer (already forgotten). Their answers counted
    /// for the staff member but taught the models nothing; a point of sale that loses tables, or
    /// a survey that collects answers for longer than the horizon, shows here.
    public var answeredTablesNotSeen = 0
    public var deadLetteredByReason: [Rejection.Reason: Int] = [:]

    public var deadLettered: Int { deadLetteredByReason.values.reduce(0, +) }
}

/// All the per-partition state of the domain: staff and restaurant windows, reference data,
/// the dedupe set, the visits of the label horizon, and the counters. Pure: events in,
/// outcomes and labelled examples out. Owned by one task (the partition's).
public final class PartitionState {
    public let configuration: DomainConfiguration

    /// The changing state, behind a pointer the partition owns: the per-event reads and writes
    /// then cost no dynamic exclusivity checks, which class stored properties would.
    struct Storage {
        var counters = ProcessingCounters()
        var staff: [StaffKey: StaffState] = [:]
        var restaurants: [String: RestaurantState] = [:]
        /// The last restaurant looked up (events often come in runs from one restaurant).
        var lastRestaurant: RestaurantState?
        var programs: [String: TrainingProgramReference] = [:]
        var sharedEffects: [String: TrainingProgramReference] = [:]
        /// The event ids of the reference records applied (64-bit FNV-1a hashes, as the dedupe
        /// set keeps), for ever: reference records are few, and carry no time to expire them by.
        var referenceSeen: Set<UInt64> = []
        var dedupe: DedupeSet
        /// Visits served within the label horizon, waiting for feedback or answered
        /// (``PendingVisit``), by the 64-bit FNV-1a hash of their visit id (as the dedupe set
        /// keeps event ids).
        var pendingVisits = ExpiringHashTable(minimumCapacity: 4_096, placeholder: PendingVisit.placeholder)
        /// The feature vectors of those still waiting for feedback.
        var pendingFeatures = FeatureSlab(width: ServiceFeatures.count)
        /// The newest event time seen; the watermark is this less the allowed lateness.
        var newestEventTime = Int64.min
        var examples: [LabelledServiceExample] = []
    }

    private let storage: UnsafeMutablePointer<Storage>

    public internal(set) var counters: ProcessingCounters {
        get { storage.pointee.counters }
        _modify { yield &storage.pointee.counters }
        set { storage.pointee.counters = newValue }
    }

    public internal(set) var staff: [StaffKey: StaffState] {
        get { storage.pointee.staff }
        _modify { yield &storage.pointee.staff }
        set { storage.pointee.staff = newValue }
    }

    public internal(set) var restaurants: [String: RestaurantState] {
        get { storage.pointee.restaurants }
        _modify { yield &storage.pointee.restaurants }
        set { storage.pointee.restaurants = newValue }
    }

    /// The programs the topic defined: the latest record without measured effects of each.
    public internal(set) var programs: [String: TrainingProgramReference] {
        get { storage.pointee.programs }
        _modify { yield &storage.pointee.programs }
        set { storage.pointee.programs = newValue }
    }

    /// The latest record with measured effects of each program (a share): its effects, and its
    /// definition for a program defined nowhere else (a topic compacted to the share). A share
    /// never replaces a definition, and a definition keeps the program's shared effects.
    public internal(set) var sharedEffects: [String: TrainingProgramReference] {
        get { storage.pointee.sharedEffects }
        _modify { yield &storage.pointee.sharedEffects }
        set { storage.pointee.sharedEffects = newValue }
    }

    var referenceSeen: Set<UInt64> {
        get { storage.pointee.referenceSeen }
        _modify { yield &storage.pointee.referenceSeen }
        set { storage.pointee.referenceSeen = newValue }
    }

    var dedupe: DedupeSet {
        get { storage.pointee.dedupe }
        _modify { yield &storage.pointee.dedupe }
        set { storage.pointee.dedupe = newValue }
    }

    var pendingVisits: ExpiringHashTable<PendingVisit> {
        get { storage.pointee.pendingVisits }
        _modify { yield &storage.pointee.pendingVisits }
        set { storage.pointee.pendingVisits = newValue }
    }

    var pendingFeatures: FeatureSlab {
        get { storage.pointee.pendingFeatures }
        _modify { yield &storage.pointee.pendingFeatures }
        set { storage.pointee.pendingFeatures = newValue }
    }

    public internal(set) var newestEventTime: Int64 {
        get { storage.pointee.newestEventTime }
        set { storage.pointee.newestEventTime = newValue }
    }

    private var lastRestaurant: RestaurantState? {
        get { storage.pointee.lastRestaurant }
        set { storage.pointee.lastRestaurant = newValue }
    }

    private var examples: [LabelledServiceExample] {
        get { storage.pointee.examples }
        _modify { yield &storage.pointee.examples }
        set { storage.pointee.examples = newValue }
    }

    private let decoder = EventDecoder()
    private let comments = CommentClassifier()

    /// Staff ids are unique within a restaurant. Hashes through a 64-bit FNV-1a of both ids,
    /// computed once per key (cheaper than hashing two Strings per lookup); equality stays exact.
    public struct StaffKey: Sendable, Hashable {
        public let restaurantID: String
        public let staffID: String
        private let digest: UInt64

        public init(restaurantID: String, staffID: String) {
            self.restaurantID = restaurantID
            self.staffID = staffID
            self.digest = FNV1a.hash(staffID, seed: FNV1a.hash(restaurantID))
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.digest == rhs.digest && lhs.staffID == rhs.staffID && lhs.restaurantID == rhs.restaurantID
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(digest) }
    }

    /// A served visit, remembered for the label horizon: waiting for its first feedback (what
    /// its labelled example needs, no more), then answered, with the staff complaints already
    /// counted for it — each guest may answer, and a table where three guests name the same
    /// lapse is one lapse. An answer may also arrive before its visit (a point of sale that
    /// sends at the end of the shift, a survey tablet that sends at once): it is remembered
    /// the same way, with what its label needs, until the visit comes and completes the example.
    struct PendingVisit: Sendable, Hashable {
        /// When the table was served; when the first answer was given while the visit has not
        /// come (``awaitsItsVisit``).
        var servedAt: EventTime
        /// Its row of ``ServiceFeatures`` in the pending feature slab; −1 once answered,
        /// ``answeredFirst`` while an answer waits for its visit.
        var featureRow: Int32
        /// The staff complaint categories counted for this table (bit i: index i of
        /// ``ComplaintCategory/staffAttributable``).
        var countedComplaints: UInt8 = 0
        /// The label of an answer that came first: its score (0: none given) and every category
        /// it named (bit i: index i of `ComplaintCategory.allCases`).
        var firstAnswerScore: UInt8 = 0
        var firstAnswerComplaints: UInt8 = 0

        static let answeredFirst: Int32 = -2

        var isAnswered: Bool { featureRow < 0 }
        var awaitsItsVisit: Bool { featureRow == Self.answeredFirst }

        /// An answer that came before its visit, given at `time`.
        static func firstAnswer(at time: EventTime, score: Int?, complaints: [ComplaintCategory]) -> PendingVisit {
            var bits: UInt8 = 0
            for category in complaints { bits |= 1 << ComplaintCategory.allCases.firstIndex(of: category)! }
            return PendingVisit(servedAt: time, featureRow: answeredFirst, firstAnswerScore: UInt8(score ?? 0), firstAnswerComplaints: bits)
        }

        /// The labelled example of the visit an answer came before, with the visit's features —
        /// those the answers feed left unknown (``ServiceFeatures/fromAnswers``): they already
        /// hold the answer, which would teach the models from their own label.
        func example(of visit: TableServiceEvent, features: [Double]) -> LabelledServiceExample {
            var features = features
            for index in ServiceFeatures.fromAnswers { features[index] = .nan }
            return LabelledServiceExample(
                restaurantID: visit.header.restaurantID, staffID: visit.staffID, visitID: visit.visitID, features: features,
                servedAt: visit.header.occurredAt, feedbackAt: servedAt, observedSatisfaction: firstAnswerScore == 0 ? nil : Int(firstAnswerScore),
                complaints: ComplaintCategory.allCases.indices.filter { firstAnswerComplaints & (1 << $0) != 0 }.map { ComplaintCategory.allCases[$0] })
        }

        /// What an empty slot of the pending table holds.
        static let placeholder = PendingVisit(servedAt: EventTime(millisecondsSinceEpoch: 0), featureRow: -1)
    }

    public init(configuration: DomainConfiguration = DomainConfiguration()) {
        self.configuration = configuration
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage(dedupe: DedupeSet(horizonMilliseconds: configuration.dedupeHorizonMilliseconds)))
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// Event times before this are late.
    public var watermark: Int64 {
        newestEventTime == .min ? .min : newestEventTime - configuration.allowedLatenessMilliseconds
    }

    /// Decodes, validates, cleanses and applies one message. `receivedAt` (the broker's or the
    /// consumer's clock) bounds how far in the future an event may claim to be.
    public func process(_ bytes: [UInt8], key: String? = nil, receivedAt: EventTime? = nil) -> ProcessingOutcome {
        switch decoder.decode(bytes, key: key) {
        case .failure(let rejection):
            counters.consumed += 1
            counters.deadLetteredByReason[rejection.reason, default: 0] += 1
            return .deadLetter(rejection)
        case .success(let event):
            return process(event, receivedAt: receivedAt)
        }
    }

    /// Cleanses and applies one decoded event.
    public func process(_ event: ContractEvent, receivedAt: EventTime? = nil) -> ProcessingOutcome {
        counters.consumed += 1
        switch event {
        case .restaurant, .trainingProgram: return applyReference(event)
        default: break
        }
        let header = event.header
        let time = header.occurredAt.millisecondsSinceEpoch
        if let rejection = futureTimeRejection(time, receivedAt: receivedAt) {
            counters.deadLetteredByReason[rejection.reason, default: 0] += 1
            return .deadLetter(rejection)
        }
        guard dedupe.insert(header.eventID, time: time) else {
            counters.duplicates += 1
            return .duplicate
        }
        var notes: CleansingNotes = time < watermark ? .late : []
        if notes.contains(.late) { counters.late += 1 }
        newestEventTime = max(newestEventTime, time)
        let outcome: ProcessingOutcome
        switch event {
        case .restaurant, .trainingProgram: preconditionFailure("reference records are applied above")
        case .staffEvent(let staffEvent):
            notes.formUnion(apply(staffEvent))
            outcome = .processed(event, notes)
        case .tableService(let visit):
            notes.formUnion(apply(visit, late: notes.contains(.late)))
            outcome = .processed(event, notes)
        case .guestFeedback(let feedback):
            let (cleaned, feedbackNotes) = apply(feedback, late: notes.contains(.late))
            outcome = .processed(.guestFeedback(cleaned), notes.union(feedbackNotes))
        }
        expirePendingVisits()
        counters.processed += 1
        return outcome
    }

    /// Reference data is not on the partition's timeline: whenever it is dated (a share is dated
    /// when it was taken, maybe long after the history a partition is still reading), it moves
    /// no clock and is never late. A record seen before is a duplicate.
    private func applyReference(_ event: ContractEvent) -> ProcessingOutcome {
        guard referenceSeen.insert(FNV1a.hash(event.header.eventID)).inserted else {
            counters.duplicates += 1
            return .duplicate
        }
        switch event {
        case .restaurant(let reference): restaurant(reference.header.restaurantID).reference = reference
        case .trainingProgram(let program) where program.measuredEffects.isEmpty: programs[program.programID] = program
        case .trainingProgram(let program): sharedEffects[program.programID] = program
        default: preconditionFailure("not a reference record")
        }
        counters.processed += 1
        return .processed(event, [])
    }

    /// An event claiming a time too far ahead of its receipt would move event time for the whole
    /// partition: refused instead. Without a receipt time, the guard is the jump beyond every
    /// event so far (which sparse history, months between records, can trip: callers that know
    /// when a record arrived — the broker's timestamp, or the replay's clock — pass it).
    private func futureTimeRejection(_ time: Int64, receivedAt: EventTime?) -> Rejection? {
        if let receivedAt {
            guard time > receivedAt.millisecondsSinceEpoch + configuration.maximumFutureSkewMilliseconds else { return nil }
            return Rejection(.invalidTimestamp, field: "occurred_at", "more than the allowed clock skew after the event was received")
        }
        if newestEventTime != .min, time > newestEventTime + configuration.maximumForwardJumpMilliseconds {
            return Rejection(.invalidTimestamp, field: "occurred_at", "more than the allowed jump beyond the newest event time")
        }
        return nil
    }

    /// Labelled examples produced since the last call.
    public func takeLabelledExamples() -> [LabelledServiceExample] {
        defer { examples = [] }
        return examples
    }

    /// Visits waiting for their first feedback.
    public var pendingVisitCount: Int { pendingFeatures.rowsInUse }

    /// Visits remembered for the label horizon: waiting for feedback, or answered.
    public var rememberedVisitCount: Int { pendingVisits.count }

    /// The features of a visit still waiting for its feedback, as they were at service time.
    public func features(ofPendingVisit visitID: String) -> [Double]? {
        guard let visit = pendingVisits.value(FNV1a.hash(visitID)), !visit.isAnswered else { return nil }
        return pendingFeatures.doubles(visit.featureRow)
    }

    // MARK: - Applying events

    /// The staff member's state, created on first sight.
    private func member(_ key: StaffKey) -> StaffState {
        if let member = staff[key] { return member }
        let member = StaffState(staffID: key.staffID, restaurantID: key.restaurantID)
        staff[key] = member
        return member
    }

    /// The restaurant's state, created on first sight.
    private func restaurant(_ id: String) -> RestaurantState {
        if let last = lastRestaurant, last.restaurantID == id { return last }
        let restaurant = restaurants[id] ?? {
            let created = RestaurantState(restaurantID: id)
            restaurants[id] = created
            return created
        }()
        lastRestaurant = restaurant
        return restaurant
    }

    private func apply(_ event: StaffEvent) -> CleansingNotes {
        let key = StaffKey(restaurantID: event.header.restaurantID, staffID: event.staffID)
        let member = member(key)
        let restaurant = restaurant(key.restaurantID)
        let time = event.header.occurredAt
        switch event.type {
        case .hired:
            // A hire older than a departure already applied (HR records can arrive out of
            // order) is history, not a return.
            if let left = member.terminatedAt, left.millisecondsSinceEpoch > time.millisecondsSinceEpoch { return [] }
            // A hire record of someone employed is the record sent again (or an older one late):
            // it moves neither the hire date nor a role set since.
            if member.hiredAt != nil && member.terminatedAt == nil {
                if member.role == nil { member.setRole(event.role, at: time) }
                restaurant.activeStaff.insert(event.staffID)
                return []
            }
            member.setRole(event.role, at: time)
            member.hiredAt = time
            member.terminatedAt = nil
            member.firstSeen = member.firstSeen ?? time
            restaurant.activeStaff.insert(event.staffID)
        case .terminated:
            // Likewise a departure older than the latest hire: they came back since.
            if let hired = member.hiredAt, hired.millisecondsSinceEpoch > time.millisecondsSinceEpoch { return [] }
            member.terminatedAt = time
            restaurant.activeStaff.remove(event.staffID)
            restaurant.departures.append(time)
            let cutoff = newestEventTime - Int64(configuration.turnoverWindowDays) * 86_400_000
            restaurant.departures.removeAll { $0.millisecondsSinceEpoch < cutoff }
        case .roleChanged:
            member.setRole(event.role, at: time)
        case .trainingEnrolled:
            if let program = event.programID, !member.enrolledPrograms.contains(program) { member.enrolledPrograms.append(program) }
        case .trainingCompleted:
            if let program = event.programID {
                if member.completedTrainings.contains(where: { $0.programID == program && $0.completedAt == time }) { return .repeated }
                member.enrolledPrograms.removeAll { $0 == program }
                member.completedTrainings.append(.init(programID: program, completedAt: time, assessmentScore: event.assessmentScore))
                member.completedTrainings.sort { $0.completedAt < $1.completedAt }
                if member.completedTrainings.count > StaffState.trainingHistoryLimit {
                    member.completedTrainings.removeFirst(member.completedTrainings.count - StaffState.trainingHistoryLimit)
                }
            }
        }
        return []
    }

    private func apply(_ visit: TableServiceEvent, late: Bool) -> CleansingNotes {
        let member = member(StaffKey(restaurantID: visit.header.restaurantID, staffID: visit.staffID))
        let restaurant = restaurant(visit.header.restaurantID)
        var notes: CleansingNotes = []
        var wait = visit.waitTimeSeconds
        if let fence = restaurant.waitQuartiles.fence(minimumSample: configuration.outlierMinimumSample), !fence.contains(wait) {
            wait = min(max(wait, fence.lowerBound), fence.upperBound)
            notes.insert(.winsorizedWaitTime)
            counters.winsorized += 1
        }
        restaurant.waitQuartiles.update(visit.waitTimeSeconds)
        if member.terminatedAt == nil { restaurant.activeStaff.insert(visit.staffID) }
        if member.firstSeen == nil { member.firstSeen = visit.header.occurredAt }
        let ratio = wait / restaurant.targetWaitSeconds
        let visitKey = FNV1a.hash(visit.visitID)
        let known = pendingVisits.value(visitKey)
        // A visit sent again keeps its row, with the features recomputed; once answered, its
        // label is taken and what was counted for it stays. A visit whose answer came first
        // completes that answer's labelled example at once.
        if known?.isAnswered != true || known?.awaitsItsVisit == true {
            let row = known.flatMap { $0.isAnswered ? nil : $0.featureRow } ?? pendingFeatures.allocate()
            pendingFeatures.fill(row) { features, start in
                ServiceFeatures.compute(
                    visit: visit, waitRatio: ratio, staff: member, restaurant: restaurant, configuration: configuration, into: &features, at: start)
            }
            var remembered = PendingVisit(servedAt: visit.header.occurredAt, featureRow: row)
            if let answer = known, answer.awaitsItsVisit {
                examples.append(answer.example(of: visit, features: pendingFeatures.doubles(row)))
                pendingFeatures.release(row)
                remembered.featureRow = -1
                remembered.countedComplaints = answer.countedComplaints
                notes.insert(.joinedVisit)
                counters.labelsJoined += 1
            }
            pendingVisits.update(visitKey, time: visit.header.occurredAt.millisecondsSinceEpoch, value: remembered)
        }
        guard !late else { return notes }
        let day = visit.header.occurredAt.localDay
        member.windows.addService(day: day, waitRatio: ratio, covers: visit.covers, itemsOrdered: visit.itemsOrdered, itemsIncorrect: visit.itemsIncorrect)
        restaurant.windows.addService(day: day, waitRatio: ratio, covers: visit.covers, itemsOrdered: visit.itemsOrdered, itemsIncorrect: visit.itemsIncorrect)
        return notes
    }

    private func apply(_ feedback: GuestFeedbackEvent, late: Bool) -> (GuestFeedbackEvent, CleansingNotes) {
        var cleaned = feedback
        var notes: CleansingNotes = []
        let key = StaffKey(restaurantID: feedback.header.restaurantID, staffID: feedback.staffID)
        let restaurant = restaurant(key.restaurantID)
        if (feedback.complaints ?? []).isEmpty, let comment = feedback.comment {
            let found = comments.categories(of: comment)
            if !found.isEmpty {
                cleaned.complaints = found
                notes.insert(.complaintsFromComment)
                counters.complaintsFromComments += 1
            }
        }
        let observed = feedback.satisfaction
        if let observed {
            restaurant.satisfactionSum += Double(observed)
            restaurant.satisfactionCount += 1
        } else {
            cleaned.satisfaction = Int(restaurant.satisfactionMean.rounded())
            notes.insert(.imputedSatisfaction)
            counters.imputed += 1
        }
        // The visit, when it is known: the first answer labels it, and complaints land on the
        // day the service was. An answer that comes before its visit is kept to label it when
        // it comes; its complaints land on the day of the answer.
        let visitKey = feedback.visitID.map { FNV1a.hash($0) }
        let remembered = visitKey.flatMap { pendingVisits.value($0) }
        var visit = remembered
        if let waiting = visit, !waiting.isAnswered, let visitID = feedback.visitID {
            let features = pendingFeatures.doubles(waiting.featureRow)
            pendingFeatures.release(waiting.featureRow)
            examples.append(
                LabelledServiceExample(
                    restaurantID: key.restaurantID, staffID: feedback.staffID, visitID: visitID, features: features,
                    servedAt: waiting.servedAt, feedbackAt: feedback.header.occurredAt, observedSatisfaction: observed,
                    complaints: cleaned.complaints ?? []))
            notes.insert(.joinedVisit)
            counters.labelsJoined += 1
            visit?.featureRow = -1
        } else if visit == nil, feedback.visitID != nil {
            visit = .firstAnswer(at: feedback.header.occurredAt, score: observed, complaints: cleaned.complaints ?? [])
        }
        var attributable = (cleaned.complaints ?? []).compactMap { ComplaintCategory.staffAttributable.firstIndex(of: $0) }
        // Another guest of a table whose lapse is already counted adds their score, not the lapse again.
        if !late, let counted = visit?.countedComplaints {
            attributable.removeAll { counted & (1 << $0) != 0 }
            for index in attributable { visit?.countedComplaints |= 1 << index }
        }
        if let visit, let visitKey, visit != remembered { pendingVisits.update(visitKey, time: visit.servedAt.millisecondsSinceEpoch, value: visit) }
        guard !late else { return (cleaned, notes) }
        let day = visit?.servedAt.localDay ?? feedback.header.occurredAt.localDay
        let member = member(key)
        if member.firstSeen == nil { member.firstSeen = feedback.header.occurredAt }
        member.windows.addFeedback(day: day, observedSatisfaction: observed, complaintIndices: attributable, repeatCustomer: feedback.repeatCustomer)
        restaurant.windows.addFeedback(day: day, observedSatisfaction: observed, complaintIndices: attributable, repeatCustomer: feedback.repeatCustomer)
        return (cleaned, notes)
    }

    /// Visits are forgotten after the label horizon; those whose feedback has not come expire
    /// unlabelled, and so do answers whose table has not come.
    private func expirePendingVisits() {
        var expired: [Int32] = []
        var unmatched = 0
        pendingVisits.expire(before: newestEventTime - configuration.labelHorizonMilliseconds) {
            if !$0.isAnswered { expired.append($0.featureRow) }
            if $0.awaitsItsVisit { unmatched += 1 }
        }
        for row in expired { pendingFeatures.release(row) }
        counters.visitsExpired += expired.count
        counters.answeredTablesNotSeen += unmatched
    }
}
