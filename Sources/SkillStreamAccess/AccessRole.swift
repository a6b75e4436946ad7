/// The kinds of user SkillStream serves. A role says what a caller may see and do; the token's
/// scope (its restaurants, or its staff member) says where.
public enum AccessRole: String, Codable, Sendable, CaseIterable {
    /// Restaurant owner: every restaurant of the organisation (the deployment), and may act on
    /// training.
    case owner
    /// Restaurant manager: everything about their restaurants, and may act on training.
    case manager
    /// Training manager: their restaurants' staff, gaps and training, and acts on
    /// recommendations (assign, decline, mark done).
    case trainingManager = "training_manager"
    /// Customer-experience manager: their restaurants' staff, gaps and model quality; reads only.
    case experienceManager = "experience_manager"
    /// A member of the service staff: their own profile, history, gaps and training only.
    case staff
    /// Runs SkillStream: ingestion health and model quality of every restaurant, no one's
    /// personal data.
    case `operator`
}
