/// The five service skills SkillStream measures and trains (contract v1).
public enum Skill: String, CaseIterable, Sendable, Hashable, Codable {
    case timeliness
    case orderAccuracy = "order_accuracy"
    case guestRapport = "guest_rapport"
    case menuAndWineKnowledge = "menu_and_wine_knowledge"
    case tableEtiquette = "table_etiquette"
}

/// What a guest complained about. Five categories point at a service skill; food quality,
/// noise and price are not the server's doing and never count against a staff member.
public enum ComplaintCategory: String, CaseIterable, Sendable, Hashable, Codable {
    case slowService = "slow_service"
    case orderError = "order_error"
    case inattentiveOrRude = "inattentive_or_rude"
    case poorRecommendation = "poor_recommendation"
    case etiquetteLapse = "etiquette_lapse"
    case foodQuality = "food_quality"
    case noiseOrAmbience = "noise_or_ambience"
    case price

    /// The skill this complaint points at; nil when it is not the staff member's doing.
    public var skill: Skill? {
        switch self {
        case .slowService: .timeliness
        case .orderError: .orderAccuracy
        case .inattentiveOrRude: .guestRapport
        case .poorRecommendation: .menuAndWineKnowledge
        case .etiquetteLapse: .tableEtiquette
        case .foodQuality, .noiseOrAmbience, .price: nil
        }
    }

    /// The categories that count against staff, in ``Skill`` order.
    public static let staffAttributable: [ComplaintCategory] = [.slowService, .orderError, .inattentiveOrRude, .poorRecommendation, .etiquetteLapse]
}

/// A service role.
public enum Role: String, CaseIterable, Sendable, Hashable, Codable {
    case server, sommelier, host, runner, bartender, captain
}

/// What an HR event records.
public enum StaffEventType: String, CaseIterable, Sendable, Hashable, Codable {
    case hired
    case terminated
    case roleChanged = "role_changed"
    case trainingEnrolled = "training_enrolled"
    case trainingCompleted = "training_completed"
}

/// How a training program is delivered.
public enum TrainingFormat: String, CaseIterable, Sendable, Hashable, Codable {
    case inPerson = "in_person"
    case online
    case shadowing
}

/// The `schema` field of each event type, naming type and version.
public enum EventSchema: String, CaseIterable, Sendable, Hashable, Codable {
    case tableService = "pos.table_service.v1"
    case guestFeedback = "survey.guest_feedback.v1"
    case staffEvent = "hr.staff_event.v1"
    case restaurant = "ref.restaurant.v1"
    case trainingProgram = "ref.training_program.v1"

    /// The topic events of this type are published to.
    public var topic: String {
        switch self {
        case .tableService: Topics.tableService
        case .guestFeedback: Topics.guestFeedback
        case .staffEvent: Topics.staffEvents
        case .restaurant: Topics.restaurants
        case .trainingProgram: Topics.trainingPrograms
        }
    }
}

/// The contract's topic names.
public enum Topics {
    public static let tableService = "pos.table-service"
    public static let guestFeedback = "survey.guest-feedback"
    public static let staffEvents = "hr.staff-events"
    public static let restaurants = "ref.restaurants"
    public static let trainingPrograms = "ref.training-programs"
    public static let gapAlerts = "skills.gap-alerts"
    public static let trainingRecommendations = "skills.training-recommendations"
    public static let deadLetter = "skillstream.dead-letter"
}

/// The languages SkillStream speaks to people in: Spanish first, English too.
public enum Language: String, Sendable, Hashable, CaseIterable {
    case es, en
}

extension Skill {
    /// The skill as managers call it.
    public func displayName(_ language: Language) -> String {
        switch (self, language) {
        case (.timeliness, .es): "puntualidad del servicio"
        case (.timeliness, .en): "timeliness"
        case (.orderAccuracy, .es): "exactitud del pedido"
        case (.orderAccuracy, .en): "order accuracy"
        case (.guestRapport, .es): "trato con el cliente"
        case (.guestRapport, .en): "guest rapport"
        case (.menuAndWineKnowledge, .es): "conocimiento de carta y vinos"
        case (.menuAndWineKnowledge, .en): "menu and wine knowledge"
        case (.tableEtiquette, .es): "etiqueta en la mesa"
        case (.tableEtiquette, .en): "table etiquette"
        }
    }
}

extension Role {
    /// The role as restaurants in Peru call it.
    public func displayName(_ language: Language) -> String {
        switch (self, language) {
        case (.server, .es): "mozo/a"
        case (.host, .es): "anfitrión/a"
        case (.captain, .es): "capitán/a"
        case (.server, .en): "server"
        case (.host, .en): "host"
        case (.captain, .en): "captain"
        case (.sommelier, _): "sommelier"
        case (.runner, _): "runner"
        case (.bartender, _): "bartender"
        }
    }
}
