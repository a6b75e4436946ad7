/// The fields every event carries.
public struct EventHeader: Sendable, Hashable {
    public var eventID: String
    public var occurredAt: EventTime
    public var restaurantID: String

    public init(eventID: String, occurredAt: EventTime, restaurantID: String) {
        self.eventID = eventID
        self.occurredAt = occurredAt
        self.restaurantID = restaurantID
    }
}

/// `pos.table_service.v1`: one table visit, sent when the check closes.
public struct TableServiceEvent: Sendable, Hashable {
    public var header: EventHeader
    public var staffID: String
    public var visitID: String
    public var tableID: String
    public var covers: Int
    public var seatedAt: EventTime
    /// Seated to first course.
    public var waitTimeSeconds: Double
    public var itemsOrdered: Int
    public var itemsIncorrect: Int
    public var checkTotalPEN: Double?

    /// 1 − incorrect / ordered; 1 when nothing was ordered.
    public var orderAccuracy: Double { itemsOrdered > 0 ? 1 - Double(itemsIncorrect) / Double(itemsOrdered) : 1 }

    public init(
        header: EventHeader, staffID: String, visitID: String, tableID: String, covers: Int, seatedAt: EventTime, waitTimeSeconds: Double, itemsOrdered: Int, itemsIncorrect: Int, checkTotalPEN: Double? = nil
    ) {
        self.header = header
        self.staffID = staffID
        self.visitID = visitID
        self.tableID = tableID
        self.covers = covers
        self.seatedAt = seatedAt
        self.waitTimeSeconds = waitTimeSeconds
        self.itemsOrdered = itemsOrdered
        self.itemsIncorrect = itemsIncorrect
        self.checkTotalPEN = checkTotalPEN
    }
}

/// `survey.guest_feedback.v1`: one guest's feedback, perhaps about a visit.
public struct GuestFeedbackEvent: Sendable, Hashable {
    public var header: EventHeader
    public var staffID: String
    public var visitID: String?
    /// 1–5; nil when the guest gave none.
    public var satisfaction: Int?
    public var complaints: [ComplaintCategory]?
    public var comment: String?
    public var repeatCustomer: Bool?

    public init(
        header: EventHeader, staffID: String, visitID: String? = nil, satisfaction: Int? = nil, complaints: [ComplaintCategory]? = nil, comment: String? = nil, repeatCustomer: Bool? = nil
    ) {
        self.header = header
        self.staffID = staffID
        self.visitID = visitID
        self.satisfaction = satisfaction
        self.complaints = complaints
        self.comment = comment
        self.repeatCustomer = repeatCustomer
    }
}

/// `hr.staff_event.v1`: a hire, departure, role change, training enrolment or completion.
public struct StaffEvent: Sendable, Hashable {
    public var header: EventHeader
    public var staffID: String
    public var type: StaffEventType
    /// For hired and role_changed.
    public var role: Role?
    /// For training events.
    public var programID: String?
    /// 0–100, for training_completed.
    public var assessmentScore: Double?

    public init(
        header: EventHeader, staffID: String, type: StaffEventType, role: Role? = nil, programID: String? = nil, assessmentScore: Double? = nil
    ) {
        self.header = header
        self.staffID = staffID
        self.type = type
        self.role = role
        self.programID = programID
        self.assessmentScore = assessmentScore
    }
}

/// `ref.restaurant.v1` (compacted): a restaurant and its service standards.
public struct RestaurantReference: Sendable, Hashable {
    public var header: EventHeader
    public var name: String
    public var city: String
    /// IANA time zone, e.g. America/Lima.
    public var timezone: String
    /// 0–100.
    public var serviceQualityBenchmark: Double
    public var fineDiningAccreditation: Bool
    public var targetWaitTimeSeconds: Double

    public init(
        header: EventHeader, name: String, city: String, timezone: String, serviceQualityBenchmark: Double, fineDiningAccreditation: Bool, targetWaitTimeSeconds: Double
    ) {
        self.header = header
        self.name = name
        self.city = city
        self.timezone = timezone
        self.serviceQualityBenchmark = serviceQualityBenchmark
        self.fineDiningAccreditation = fineDiningAccreditation
        self.targetWaitTimeSeconds = targetWaitTimeSeconds
    }
}

/// What a training program was measured to do to one skill: pooled over the partitions of a
/// consumer group (`skillstream share-program-effects`, with each partition's part), or measured
/// elsewhere (another deployment, a pilot: no parts). An engine counts it beside its own
/// measurements, less its own partition's part, which it has already.
public struct MeasuredEffect: Sendable, Hashable {
    /// Trainings measured.
    public var observations: Int
    /// Their mean effect in skill-score points: the trained person's change less that of the
    /// untrained colleagues with the same gap over the same days.
    public var meanEffect: Double
    /// Of those, each partition's measurements (partition number of the input topics).
    public var partitions: [Int32: Part]

    /// One partition's measurements.
    public struct Part: Sendable, Hashable {
        public var observations: Int
        public var meanEffect: Double

        public init(observations: Int, meanEffect: Double) {
            self.observations = observations
            self.meanEffect = meanEffect
        }
    }

    public init(observations: Int, meanEffect: Double, partitions: [Int32: Part] = [:]) {
        self.observations = observations
        self.meanEffect = meanEffect
        self.partitions = partitions
    }
}

/// `ref.training_program.v1` (compacted, keyed by program_id): a training program.
public struct TrainingProgramReference: Sendable, Hashable {
    public var header: EventHeader
    public var programID: String
    public var titleES: String
    public var titleEN: String
    public var skills: [Skill]
    public var roles: [Role]
    public var durationHours: Double
    public var format: TrainingFormat
    /// Evidence measured elsewhere, per skill the program trains (empty: none).
    public var measuredEffects: [Skill: MeasuredEffect]

    public init(
        header: EventHeader, programID: String, titleES: String, titleEN: String, skills: [Skill], roles: [Role], durationHours: Double, format: TrainingFormat,
        measuredEffects: [Skill: MeasuredEffect] = [:]
    ) {
        self.header = header
        self.programID = programID
        self.titleES = titleES
        self.titleEN = titleEN
        self.skills = skills
        self.roles = roles
        self.durationHours = durationHours
        self.format = format
        self.measuredEffects = measuredEffects
    }
}

/// One decoded, valid contract event.
public enum ContractEvent: Sendable, Hashable {
    case tableService(TableServiceEvent)
    case guestFeedback(GuestFeedbackEvent)
    case staffEvent(StaffEvent)
    case restaurant(RestaurantReference)
    case trainingProgram(TrainingProgramReference)

    public var header: EventHeader {
        switch self {
        case .tableService(let event): event.header
        case .guestFeedback(let event): event.header
        case .staffEvent(let event): event.header
        case .restaurant(let event): event.header
        case .trainingProgram(let event): event.header
        }
    }

    /// The Kafka message key the contract gives the event: its program for a training program,
    /// its restaurant for everything else.
    /// The Kafka message key: the restaurant, or for a program its id; a program's share of
    /// measured effects is keyed apart (``shareKeySuffix``), so that compacting the topic keeps
    /// both the program's latest definition and its latest share.
    public var messageKey: String {
        if case .trainingProgram(let program) = self { return program.measuredEffects.isEmpty ? program.programID : program.programID + Self.shareKeySuffix }
        return header.restaurantID
    }

    /// What follows the program id in the key of a record with measured effects.
    public static let shareKeySuffix = " measured_effects"

    public var schema: EventSchema {
        switch self {
        case .tableService: .tableService
        case .guestFeedback: .guestFeedback
        case .staffEvent: .staffEvent
        case .restaurant: .restaurant
        case .trainingProgram: .trainingProgram
        }
    }
}
