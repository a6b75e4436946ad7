import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The answer of a health or readiness check: healthy or not, and why not in words.
public struct HealthReport: Sendable {
    public var healthy: Bool
    /// Why not, when not (shown in the probe's response body).
    public var reasons: [String]
    /// Extra facts for the body (e.g. the partitions owned).
    public var details: [String: String]

    public init(healthy: Bool, reasons: [String] = [], details: [String: String] = [:]) {
        self.healthy = healthy
        self.reasons = reasons
        self.details = details
    }
}

/// The operators' HTTP endpoints of a SkillStream process: `/metrics` in Prometheus' text
/// format, `/healthz` (liveness) and `/readyz` (readiness) as JSON with 200 or 503 (only
/// `/metrics` for a process that answers its probes elsewhere, as `serve` does on the API's
/// port). ``run()`` serves until ``shutdown()``, which lets open requests finish.
public final class OperatorServer: Sendable {
    public let host: String
    public let port: Int
    private let group: ServiceGroup

    public init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger, liveness: (@Sendable () -> HealthReport)? = nil,
        readiness: (@Sendable () -> HealthReport)? = nil
    ) {
        self.host = host
        self.port = port
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: ResponseBody(byteBuffer: buffer))
        }
        if let liveness { router.get("healthz") { _, _ in Self.response(liveness()) } }
        if let readiness { router.get("readyz") { _, _ in Self.response(readiness()) } }
        let application = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "skillstream"),
            logger: logger)
        group = ServiceGroup(configuration: .init(services: [application], logger: logger))
    }

    /// Makes swift-metrics record into a new Prometheus registry, with the given histogram
    /// buckets for the named timers (seconds in the exposition), and returns the registry.
    /// Once per process.
    public static func bootstrapMetrics(timerBuckets: [String: [Duration]] = [:]) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = timerBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Serves until ``shutdown()`` (or fails, e.g. when the port is taken).
    public func run() async throws { try await group.run() }

    /// Stops serving once open requests are answered.
    public func shutdown() async { await group.triggerGracefulShutdown() }

    static func response(_ report: HealthReport) -> Response {
        var object: [String: Any] = ["status": report.healthy ? "ok" : "unavailable"]
        if !report.reasons.isEmpty { object["reasons"] = report.reasons }
        for (key, value) in report.details { object[key] = value }
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: report.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
