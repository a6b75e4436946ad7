/// The verified caller of a request: their role and scope, and the checks every endpoint makes
/// before it reads or changes anything. A check that fails throws ``AccessError`` with code
/// `forbidden` (403).
public struct Principal: Sendable, Hashable {
    /// Who, as the token's `sub` (recorded with the changes they make).
    public var subject: String
    public var role: AccessRole
    /// The restaurants of a restaurant-scoped role, or the staff member's own restaurant.
    public var restaurants: Set<String>
    /// A staff member's own id.
    public var staffID: String?

    public init(subject: String, role: AccessRole, restaurants: Set<String> = [], staffID: String? = nil) {
        self.subject = subject
        self.role = role
        self.restaurants = restaurants
        self.staffID = staffID
    }

    public init(claims: AccessClaims) {
        self.init(subject: claims.subject.value, role: claims.role, restaurants: Set(claims.restaurants), staffID: claims.staffID)
    }

    /// The restaurants a listing shows: nil for all of them (owners and operators).
    public var visibleRestaurants: Set<String>? {
        switch role {
        case .owner, .operator: nil
        default: restaurants
        }
    }

    /// Whether the restaurant exists for this caller at all (its name, city, standards).
    public func mayView(restaurant: String) -> Bool {
        visibleRestaurants?.contains(restaurant) ?? true
    }

    /// Whether the caller may read the people of the restaurant: its staff list, gaps and
    /// recommendations. Staff and operators may not.
    public func mayViewPeople(of restaurant: String) -> Bool {
        switch role {
        case .owner: true
        case .manager, .trainingManager, .experienceManager: restaurants.contains(restaurant)
        case .staff, .operator: false
        }
    }

    /// Whether the caller may read one staff member's profile, history, gaps and training:
    /// their managers, or the staff member themselves.
    public func mayView(staff: String, of restaurant: String) -> Bool {
        role == .staff ? restaurants.contains(restaurant) && staffID == staff : mayViewPeople(of: restaurant)
    }

    /// Whether the caller may assign, decline or close the restaurant's training
    /// recommendations.
    public func mayManageTraining(of restaurant: String) -> Bool {
        switch role {
        case .owner: true
        case .manager, .trainingManager: restaurants.contains(restaurant)
        case .experienceManager, .staff, .operator: false
        }
    }

    /// Whether the caller may read the restaurant's model quality (no personal data in it).
    public func mayViewModelQuality(of restaurant: String) -> Bool {
        role == .operator || mayViewPeople(of: restaurant)
    }

    /// Whether the caller may read the organisation-wide ingestion health.
    public var mayViewOperations: Bool { role == .owner || role == .operator }

    /// Throws `forbidden` unless `allowed`; `what` names the resource for the message.
    public func require(_ allowed: Bool, _ what: @autoclosure () -> String) throws(AccessError) {
        guard allowed else { throw AccessError(.forbidden, "a \(role.rawValue) token does not cover \(what())") }
    }
}
