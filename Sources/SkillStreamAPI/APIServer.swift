import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SkillStreamAccess
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamOutbox
import SkillStreamPostgres

/// `skillstream serve`: the HTTP API and the dashboard over PostgreSQL, its own process so it
/// scales apart from the processor. `/api/v1/…` needs a bearer token, `/dashboard/…` the same
/// token in a cookie after signing in; `/healthz` and `/readyz` need none. Each request is
/// counted and timed through swift-metrics (Hummingbird's `MetricsMiddleware`: `hb_requests`
/// and `http_server_request_duration` by route template, method and status), which
/// `skillstream serve` exposes on its metrics port.
/// ``run()`` serves until ``shutdown()``, which lets open requests finish.
public final class APIServer: Sendable {
    /// Where and how to serve.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The processor's consumer group, whose tables are read.
        public var group: String
        /// Where enrolments go: `hr.staff-events` with the deployment's prefix.
        public var staffEventsTopic: String

        public init(host: String, port: Int, group: String, staffEventsTopic: String) {
            self.host = host
            self.port = port
            self.group = group
            self.staffEventsTopic = staffEventsTopic
        }
    }

    private let group: ServiceGroup
    private let enrolments: EnrolmentPublisher
    private let throughput = ThroughputSampler()
    private let store: APIStore

    /// `producer` may be nil where no broker is configured: assignments then stay in the outbox
    /// (published once serve runs with one).
    public init(configuration: Configuration, client: PostgresClient, authority: TokenAuthority, producer: KafkaProducer?, logger: Logger) {
        let store = APIStore(client: client, group: configuration.group)
        self.store = store
        enrolments = EnrolmentPublisher(
            outbox: Outbox(client: client, group: configuration.group), producer: producer, topic: configuration.staffEventsTopic, logger: logger)
        let router = Self.router(
            routes: APIRoutes(store: store, enrolments: enrolments, throughput: throughput),
            dashboard: DashboardRoutes(store: store, authority: authority, throughput: throughput), authority: authority)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "skillstream"),
            logger: logger)
        group = ServiceGroup(configuration: .init(services: [application], logger: logger))
    }

    static func router(routes: APIRoutes, dashboard: DashboardRoutes, authority: TokenAuthority) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // Outermost, so that it counts the status the caller gets (after ProblemMiddleware).
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(ProblemMiddleware())
        router.get("healthz") { _, _ in HealthBody(ready: true) }
        router.get("readyz") { _, _ in HealthBody(ready: await routes.store.reachable()) }
        routes.register(on: router.group("api/v1").add(middleware: AuthenticationMiddleware(authority: authority)))
        dashboard.register(on: router)
        return router
    }

    /// Serves (publishing pending enrolments and sampling the throughput in the background)
    /// until ``shutdown()``.
    public func run() async throws {
        let (enrolments, throughput, store) = (self.enrolments, self.throughput, self.store)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await enrolments.run() }
            tasks.addTask { await throughput.run(store: store) }
            try await group.run()
            tasks.cancelAll()
        }
    }

    /// Stops serving once open requests are answered.
    public func shutdown() async { await group.triggerGracefulShutdown() }
}

/// The answer of /healthz and /readyz: 200 "ok", or 503 "unavailable" with the reason.
struct HealthBody: JSONBody {
    var ready: Bool

    func write(to json: inout JSONWriter) {
        json.string("status", ready ? "ok" : "unavailable")
        if !ready { json.strings("reasons", ["PostgreSQL unreachable"]) }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse(status: ready ? .ok : .serviceUnavailable)
    }
}
