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
/// ``run()`` serves until ``shutdown()``, which lets open requests finish: those still waiting
/// on PostgreSQL ``Configuration/postgresStopDeadline`` after it get a 503 (their calls
/// interrupted), so a database that answers nothing does not hold the stop for the answer
/// timeout.
public final class APIServer: Sendable {
    /// Where and how to serve.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The processor's consumer group, whose tables are read.
        public var group: String
        /// Where enrolments go: `hr.staff-events` with the deployment's prefix.
        public var staffEventsTopic: String
        /// How long after ``shutdown()`` requests may go on waiting for PostgreSQL before its
        /// calls in progress are interrupted and the pool closed (within the Deployment's 20 s
        /// grace period, with room for the producer's flush).
        public var postgresStopDeadline: Duration

        public init(host: String, port: Int, group: String, staffEventsTopic: String, postgresStopDeadline: Duration = .seconds(5)) {
            self.host = host
            self.port = port
            self.group = group
            self.staffEventsTopic = staffEventsTopic
            self.postgresStopDeadline = postgresStopDeadline
        }
    }

    private let group: ServiceGroup
    private let enrolments: EnrolmentPublisher
    private let throughput = ThroughputSampler()
    private let store: APIStore
    private let client: PostgresClient
    private let postgresStopDeadline: Duration
    private let logger: Logger
    /// Yields once ``shutdown()`` is asked for, which starts the stop's deadline for PostgreSQL.
    private let stops = AsyncStream<Void>.makeStream()

    /// `producer` may be nil where no broker is configured: assignments then stay in the outbox
    /// (published once serve runs with one).
    public init(configuration: Configuration, client: PostgresClient, authority: TokenAuthority, producer: KafkaProducer?, logger: Logger) {
        let store = APIStore(client: client, group: configuration.group)
        self.store = store
        self.client = client
        postgresStopDeadline = configuration.postgresStopDeadline
        self.logger = logger
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
        try await withThrowingTaskGroup { deadline in
            // Until everything below has ended, the background tasks' last calls included.
            deadline.addTask { await self.interruptPostgresAtTheStopsDeadline() }
            try await withThrowingDiscardingTaskGroup { tasks in
                tasks.addTask { await enrolments.run() }
                tasks.addTask { await throughput.run(store: store) }
                try await group.run()
                tasks.cancelAll()
            }
            deadline.cancelAll()
        }
    }

    /// Once a stop is asked for, waits ``Configuration/postgresStopDeadline`` and then
    /// interrupts what still waits on PostgreSQL and closes the pool: the requests answer 503
    /// and the stop ends. Returns early when cancelled (everything ended in time).
    private func interruptPostgresAtTheStopsDeadline() async {
        var stops = self.stops.stream.makeAsyncIterator()
        guard await stops.next() != nil, (try? await Task.sleep(for: postgresStopDeadline)) != nil else { return }
        let interrupted = client.interruptAndClose()
        guard interrupted > 0 else { return }
        logger.warning(
            "Stopping: \(interrupted) call(s) to PostgreSQL still unanswered \(postgresStopDeadline) after the stop were interrupted; a request waiting on one is answered 503"
        )
    }

    /// Stops serving once open requests are answered (those waiting on PostgreSQL for longer
    /// than ``Configuration/postgresStopDeadline`` answer 503).
    public func shutdown() async {
        stops.continuation.yield()
        await group.triggerGracefulShutdown()
    }
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
