import Foundation
import Hummingbird
import Logging
import SkillStreamAccess
import SkillStreamDomain

/// The API's endpoints under `/api/v1` (Schemas/openapi.yaml): each checks the caller's scope
/// before it reads anything (403 outside it, then 404 for what does not exist inside it), reads
/// its parameters strictly (400 naming the parameter), and answers in the caller's language.
struct APIRoutes: Sendable {
    let store: APIStore
    let enrolments: EnrolmentPublisher
    let throughput: ThroughputSampler

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("restaurants", use: restaurants)
        group.get("restaurants/:restaurant", use: restaurant)
        group.get("restaurants/:restaurant/staff", use: staffList)
        group.get("restaurants/:restaurant/staff/:staff", use: staffMember)
        group.get("restaurants/:restaurant/staff/:staff/skill-history", use: skillHistory)
        group.get("restaurants/:restaurant/alerts", use: alerts)
        group.get("restaurants/:restaurant/alerts/:alert", use: alert)
        group.get("restaurants/:restaurant/recommendations", use: recommendations)
        group.post("restaurants/:restaurant/recommendations/:recommendation/status", use: changeStatus)
        group.get("restaurants/:restaurant/model-quality", use: modelQuality)
        group.get("training-programs", use: programs)
        group.get("ingestion", use: ingestion)
    }

    // MARK: - Restaurants

    @Sendable func restaurants(_ request: Request, context: APIRequestContext) async throws -> Page<RestaurantView> {
        let query = try QueryParameters(request, allowed: [], paged: true)
        let caller = try context.caller()
        let page = try await store.restaurants(visible: caller.visibleRestaurants, paging: try Paging(query, listing: "restaurants", keys: 1))
        return caller.role == .staff ? Page(items: page.items.map(\.withoutCounts), nextCursor: page.nextCursor) : page
    }

    @Sendable func restaurant(_ request: Request, context: APIRequestContext) async throws -> RestaurantView {
        _ = try QueryParameters(request, allowed: [])
        let restaurant = try Self.path(context, "restaurant")
        let caller = try context.caller()
        try caller.require(caller.mayView(restaurant: restaurant), "restaurant \(restaurant)")
        guard let view = try await store.restaurant(restaurant) else { throw Self.noRestaurant }
        return caller.role == .staff ? view.withoutCounts : view
    }

    // MARK: - Staff

    @Sendable func staffList(_ request: Request, context: APIRequestContext) async throws -> Page<StaffView> {
        let query = try QueryParameters(request, allowed: ["role", "employment"], paged: true)
        let restaurant = try Self.path(context, "restaurant")
        let caller = try context.caller()
        try caller.require(caller.mayViewPeople(of: restaurant), "the staff of restaurant \(restaurant)")
        let role = try query.word("role", Role.self)
        let employment = try query.word("employment", EmploymentFilter.self) ?? .current
        let paging = try Paging(query, listing: "staff", keys: 1)
        try await requireRestaurant(restaurant)
        return try await store.staff(restaurant: restaurant, role: role, employment: employment, paging: paging)
    }

    @Sendable func staffMember(_ request: Request, context: APIRequestContext) async throws -> StaffDetailView {
        _ = try QueryParameters(request, allowed: [])
        let (restaurant, staff) = try Self.staffPath(context)
        let caller = try context.caller()
        try caller.require(caller.mayView(staff: staff, of: restaurant), "staff member \(staff) of restaurant \(restaurant)")
        guard let page = try await store.staffPage(restaurant: restaurant, staffID: staff, language: context.language) else { throw Self.noStaff }
        return page
    }

    @Sendable func skillHistory(_ request: Request, context: APIRequestContext) async throws -> SkillHistoryView {
        let query = try QueryParameters(request, allowed: ["skill", "from", "to"])
        let (restaurant, staff) = try Self.staffPath(context)
        let caller = try context.caller()
        try caller.require(caller.mayView(staff: staff, of: restaurant), "staff member \(staff) of restaurant \(restaurant)")
        let history = try await store.skillHistory(
            restaurant: restaurant, staffID: staff, skill: try query.word("skill", Skill.self), from: try query.time("from"), to: try query.time("to"))
        guard let history else { throw Self.noStaff }
        return history
    }

    // MARK: - Alerts

    @Sendable func alerts(_ request: Request, context: APIRequestContext) async throws -> Page<AlertView> {
        let query = try QueryParameters(request, allowed: ["status", "skill", "staff_id", "min_severity", "from", "to"], paged: true)
        let restaurant = try Self.path(context, "restaurant")
        let staff = try query.string("staff_id")
        try requireListing(context, restaurant: restaurant, staff: staff)
        let filter = APIStore.AlertFilter(
            status: try query.word("status", AlertStatus.self)?.rawValue, skill: try query.word("skill", Skill.self), staffID: staff,
            minimumSeverity: try query.number("min_severity", in: 0...1), openedFrom: try query.time("from"), openedBefore: try query.time("to"))
        let paging = try Paging(query, listing: "alerts", keys: 2, timeFirst: true)
        try await requireRestaurant(restaurant)
        return try await store.alerts(restaurant: restaurant, filter: filter, language: context.language, paging: paging)
    }

    @Sendable func alert(_ request: Request, context: APIRequestContext) async throws -> AlertView {
        _ = try QueryParameters(request, allowed: [])
        let restaurant = try Self.path(context, "restaurant")
        let id = try Self.path(context, "alert")
        let caller = try context.caller()
        // Outside the restaurant's scope, refused before anything is looked up.
        try caller.require(caller.mayView(restaurant: restaurant), "alert \(id) of restaurant \(restaurant)")
        // Staff may read an alert only when it is theirs; one of a colleague's, or none, is
        // refused alike (403), so nobody learns which alert ids exist.
        let found = try await store.alerts(restaurant: restaurant, filter: .init(alertID: id), language: context.language, paging: Paging(limit: 1)).items.first
        try caller.require(
            caller.mayViewPeople(of: restaurant) || (found.map { caller.mayView(staff: $0.staffID, of: restaurant) } ?? false),
            "alert \(id) of restaurant \(restaurant)")
        guard let found else { throw Self.noAlert }
        return found
    }

    // MARK: - Recommendations

    @Sendable func recommendations(_ request: Request, context: APIRequestContext) async throws -> Page<RecommendationView> {
        let query = try QueryParameters(request, allowed: ["status", "skill", "staff_id", "alert_id"], paged: true)
        let restaurant = try Self.path(context, "restaurant")
        let staff = try query.string("staff_id")
        try requireListing(context, restaurant: restaurant, staff: staff)
        let filter = APIStore.RecommendationFilter(
            status: try query.word("status", RecommendationStatus.self)?.rawValue, staffID: staff, skill: try query.word("skill", Skill.self),
            alertID: try query.string("alert_id"))
        let paging = try Paging(query, listing: "recommendations", keys: 2, timeFirst: true)
        try await requireRestaurant(restaurant)
        return try await store.recommendations(restaurant: restaurant, filter: filter, language: context.language, paging: paging)
    }

    @Sendable func changeStatus(_ request: Request, context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let restaurant = try Self.path(context, "restaurant")
        let id = try Self.path(context, "recommendation")
        let caller = try context.caller()
        try caller.require(caller.mayManageTraining(of: restaurant), "the training of restaurant \(restaurant)")
        let body = try await request.decode(as: StatusChangeRequest.self, context: context)
        guard let status = RecommendationStatus(rawValue: body.status), status != .proposed else {
            throw Problem(.invalidBody, es: "status debe ser assigned, declined o done.", en: "status must be assigned, declined or done.")
        }
        if let note = body.note, note.count > 500 {
            throw Problem(.invalidBody, es: "note admite hasta 500 caracteres.", en: "note takes at most 500 characters.")
        }
        let enrolments = self.enrolments
        let change = try await store.changeStatus(
            restaurant: restaurant, recommendationID: id, to: status.rawValue, note: body.note, by: caller, language: context.language
        ) { staffID, programID, timezone in
            enrolments.record(recommendationID: id, restaurantID: restaurant, staffID: staffID, programID: programID, timezone: timezone)
        }
        if change.changed && status == .assigned { await enrolments.publishPending() }
        return try change.recommendation.response(from: request, context: context)
    }

    // MARK: - Programs and operations

    @Sendable func programs(_ request: Request, context: APIRequestContext) async throws -> Page<ProgramView> {
        let query = try QueryParameters(request, allowed: ["skill", "role"], paged: true)
        _ = try context.caller()
        return try await store.programs(
            skill: try query.word("skill", Skill.self), role: try query.word("role", Role.self), language: context.language,
            paging: try Paging(query, listing: "programs", keys: 1))
    }

    @Sendable func modelQuality(_ request: Request, context: APIRequestContext) async throws -> ModelQualityView {
        _ = try QueryParameters(request, allowed: [])
        let restaurant = try Self.path(context, "restaurant")
        let caller = try context.caller()
        try caller.require(caller.mayViewModelQuality(of: restaurant), "the model quality of restaurant \(restaurant)")
        try await requireRestaurant(restaurant)
        return try await store.modelQuality(restaurant: restaurant)
    }

    @Sendable func ingestion(_ request: Request, context: APIRequestContext) async throws -> IngestionView {
        _ = try QueryParameters(request, allowed: [])
        let caller = try context.caller()
        try caller.require(caller.mayViewOperations, "the ingestion health")
        var view = try await store.ingestion()
        view.processedPerSecond = throughput.recordsPerSecond.map(SQL.rounded)
        return view
    }

    // MARK: - Helpers

    /// Listings of a restaurant's alerts or recommendations: the restaurant's people, or, with
    /// `staff_id`, that staff member (so staff list their own).
    func requireListing(_ context: APIRequestContext, restaurant: String, staff: String?) throws {
        let caller = try context.caller()
        if let staff {
            try caller.require(caller.mayView(staff: staff, of: restaurant), "staff member \(staff) of restaurant \(restaurant)")
        } else {
            try caller.require(caller.mayViewPeople(of: restaurant), "the people of restaurant \(restaurant)")
        }
    }

    /// 404 for a restaurant the processor has not seen (checked after the scope, so callers
    /// learn nothing about restaurants outside it).
    func requireRestaurant(_ restaurant: String) async throws {
        guard try await store.restaurant(restaurant) != nil else { throw Self.noRestaurant }
    }

    /// A path parameter, percent-decoded; ids are 1 to 200 characters.
    static func path(_ context: APIRequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let value = raw.removingPercentEncoding, QueryParameters.isIdentifier(value, maximumLength: 200) else {
            throw Problem.invalid(
                name, es: "\(name) debe ser un identificador de 1 a 200 caracteres, sin caracteres de control.",
                en: "\(name) must be an id of 1 to 200 characters, none of them control characters.")
        }
        return value
    }

    static func staffPath(_ context: APIRequestContext) throws -> (restaurant: String, staff: String) {
        (try path(context, "restaurant"), try path(context, "staff"))
    }

    static let noRestaurant = Problem.notFound(es: "No existe ese restaurante.", en: "No such restaurant.")
    static let noStaff = Problem.notFound(es: "No hay evaluaciones de esa persona en este restaurante.", en: "No assessments of that staff member in this restaurant.")
    static let noAlert = Problem.notFound(es: "No existe esa alerta en este restaurante.", en: "No such alert in this restaurant.")
}

/// An alert's status, as a filter.
enum AlertStatus: String, CaseIterable { case open, resolved }

/// A recommendation's status.
enum RecommendationStatus: String, CaseIterable { case proposed, assigned, declined, done }
