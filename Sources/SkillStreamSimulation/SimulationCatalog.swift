import SkillStreamDomain

/// A training program of the simulated catalog with its hidden true effect: how much it raises
/// each skill's latent level (0–1 scale) for someone who completes it.
public struct SimulatedProgram: Sendable, Hashable {
    public var programID: String
    public var titleES: String
    public var titleEN: String
    public var roles: [Role]
    public var durationHours: Double
    public var format: TrainingFormat
    /// True effect per skill; the program's `skills` in the contract are these skills.
    public var effects: [(skill: Skill, effect: Double)]

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.programID == rhs.programID }
    public func hash(into hasher: inout Hasher) { hasher.combine(programID) }

    public var skills: [Skill] { effects.map(\.skill) }

    public func effect(on skill: Skill) -> Double { effects.first { $0.skill == skill }?.effect ?? 0 }
}

/// The fixed parts of the simulated world: restaurant names and cities, the training catalog,
/// and the guests' words.
public enum SimulationCatalog {
    static let tableRoles: [Role] = [.server, .captain, .sommelier, .bartender]

    /// Each program's true effect per skill (for the oracle ranking evaluate-scenario reports).
    public static var trueEffects: [String: [Skill: Double]] {
        Dictionary(uniqueKeysWithValues: programs.map { program in (program.programID, Dictionary(uniqueKeysWithValues: program.effects.map { ($0.skill, $0.effect) })) })
    }

    /// The default catalog: two or three programs per skill, strong, weak and one useless.
    public static let programs: [SimulatedProgram] = [
        .init(programID: "prog-ritmo-servicio", titleES: "Ritmo de servicio y tiempos de cocina", titleEN: "Service pacing and kitchen timing",
              roles: [.server, .captain, .runner], durationHours: 8, format: .inPerson, effects: [(.timeliness, 0.30)]),
        .init(programID: "prog-horas-punta", titleES: "Gestión de mesas en horas punta", titleEN: "Managing tables at peak hours",
              roles: [.server, .captain, .bartender], durationHours: 3, format: .online, effects: [(.timeliness, 0.10)]),
        .init(programID: "prog-pedidos-sin-error", titleES: "Toma de pedidos sin errores", titleEN: "Error-free order taking",
              roles: [.server, .captain, .bartender], durationHours: 6, format: .inPerson, effects: [(.orderAccuracy, 0.30)]),
        .init(programID: "prog-pos-comandas", titleES: "Uso del POS y comandas", titleEN: "POS and kitchen tickets",
              roles: [.server, .captain, .runner, .bartender], durationHours: 2, format: .online, effects: [(.orderAccuracy, 0.12)]),
        .init(programID: "prog-hospitalidad", titleES: "Hospitalidad y lectura del cliente", titleEN: "Hospitality and reading the guest",
              roles: [.server, .captain, .host, .sommelier, .bartender], durationHours: 8, format: .inPerson, effects: [(.guestRapport, 0.28)]),
        .init(programID: "prog-manejo-quejas", titleES: "Manejo de quejas", titleEN: "Handling complaints",
              roles: [.server, .captain, .host], durationHours: 12, format: .shadowing, effects: [(.guestRapport, 0.15)]),
        .init(programID: "prog-maridaje", titleES: "Maridaje y vinos peruanos", titleEN: "Pairing and Peruvian wines",
              roles: [.sommelier, .server, .captain], durationHours: 10, format: .inPerson, effects: [(.menuAndWineKnowledge, 0.32)]),
        .init(programID: "prog-carta-temporada", titleES: "Conocer la carta de temporada", titleEN: "Knowing the seasonal menu",
              roles: [.server, .captain, .sommelier, .runner], durationHours: 2, format: .online, effects: [(.menuAndWineKnowledge, 0.08)]),
        .init(programID: "prog-protocolo-mesa", titleES: "Protocolo de servicio a la mesa", titleEN: "Table service protocol",
              roles: [.server, .captain, .runner, .sommelier], durationHours: 6, format: .inPerson, effects: [(.tableEtiquette, 0.30)]),
        .init(programID: "prog-etiqueta-videos", titleES: "Etiqueta de fine dining en video", titleEN: "Fine-dining etiquette videos",
              roles: [.server, .captain, .runner, .sommelier], durationHours: 1.5, format: .online, effects: [(.tableEtiquette, 0.0)]),
        .init(programID: "prog-sombra-capitan", titleES: "Acompañamiento a un capitán senior", titleEN: "Shadowing a senior captain",
              roles: [.server, .runner], durationHours: 16, format: .shadowing, effects: [(.timeliness, 0.15), (.tableEtiquette, 0.15)]),
        .init(programID: "prog-induccion", titleES: "Servicio integral para nuevos ingresos", titleEN: "Complete service for new hires",
              roles: [.server, .captain, .runner, .bartender, .host], durationHours: 12, format: .inPerson,
              effects: [(.orderAccuracy, 0.10), (.guestRapport, 0.10), (.tableEtiquette, 0.10)]),
        .init(programID: "prog-barra", titleES: "Coctelería y recomendación en barra", titleEN: "Cocktails and bar recommendations",
              roles: [.bartender], durationHours: 6, format: .inPerson, effects: [(.menuAndWineKnowledge, 0.20), (.guestRapport, 0.05)]),
    ]

    static let cities: [(code: String, name: String, share: Double)] = [("lim", "Lima", 0.6), ("cus", "Cusco", 0.2), ("aqp", "Arequipa", 0.2)]

    static let restaurantNames = [
        "Casa Qolqa", "Mar de Barranco", "La Huerta de Miraflores", "Tawa", "Sillar", "Raíz Andina", "Killa", "Costa Verde",
        "El Patio de San Isidro", "Chaska", "Muña", "Ají y Sal", "Pachamanka", "Inti Raymi", "La Picantería del Misti", "Tumbo",
        "Cantuta", "Lúcuma", "Amaru", "Paracas", "Valle Sagrado", "Quinua", "Ccapac", "Yacana",
    ]

    /// Roles of a restaurant's service staff, in proportion (fine dining: many servers and captains).
    static let roleShares: [(Role, Double)] = [
        (.server, 0.44), (.captain, 0.12), (.sommelier, 0.08), (.bartender, 0.1), (.runner, 0.16), (.host, 0.1),
    ]

    /// How much each skill matters to a role's guests (planted weaknesses follow this too).
    static func relevance(_ skill: Skill, for role: Role) -> Double {
        switch (role, skill) {
        case (.sommelier, .menuAndWineKnowledge): 3
        case (.sommelier, .timeliness): 0.5
        case (.bartender, .menuAndWineKnowledge): 2
        case (.host, .guestRapport): 3
        case (.host, .orderAccuracy), (.host, .menuAndWineKnowledge): 0.3
        case (.runner, .timeliness), (.runner, .tableEtiquette): 2
        case (.runner, .menuAndWineKnowledge): 0.3
        default: 1
        }
    }
}
