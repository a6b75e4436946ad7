import Foundation
import Logging
import SkillStreamKafka
import SkillStreamPostgres
import Testing

/// The real servers `make test` starts (Scripts/services.sh), found through environment
/// variables. Missing variables fail the test loudly: these tests never skip.
enum IntegrationEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String {
            "\(variable) is not set: integration tests need the real broker and database that `make test` starts (Scripts/services.sh run -- swift test …)"
        }
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(variable: name) }
        return value
    }

    static func brokers() throws -> String { try variable("SKILLSTREAM_KAFKA_BROKERS") }
    static func postgresURL() throws -> String { try variable("SKILLSTREAM_POSTGRES_URL") }

    /// Where the tests' processes write their logs and the tests what they record (responses,
    /// ground truth): one directory per run of the suites, under the system's temporary
    /// directory. The last few runs' stay there to read after a failure; older ones are removed
    /// when a run starts, or over many runs they reach gigabytes.
    static let runDirectory: String = {
        let base = NSTemporaryDirectory() + "skillstream-integration-runs/"
        let files = FileManager.default
        let earlier = ((try? files.contentsOfDirectory(atPath: base)) ?? []).sorted()
        for old in earlier.dropLast(keptRuns - 1) { try? files.removeItem(atPath: base + old) }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let directory = base + stamp + "-" + UUID().uuidString.prefix(8)
        try? files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }()
    /// Runs whose files are kept, this one included.
    static let keptRuns = 3

    /// A path stem for one test's files in ``runDirectory``: `name` and a short random suffix.
    static func fileStem(_ name: String) -> String { runDirectory + "/" + name + "-" + UUID().uuidString.prefix(8) }

    static let logger: Logger = {
        var logger = Logger(label: "integration")
        logger.logLevel = .warning
        return logger
    }()

    /// Consumer settings for tests: a short session timeout, since Tansu's first join waits half of it.
    static func kafkaConfiguration() throws -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: try brokers(),
            properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "topic.metadata.refresh.interval.ms": "1000"])
    }

    /// A new topic with a unique name.
    static func createTopic(partitions: Int32, config: [String: String] = [:]) async throws -> String {
        let name = "test-\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try KafkaAdmin(configuration: try kafkaConfiguration(), logger: logger)
        let outcome = try await admin.createTopics([KafkaTopicSpecification(name: name, partitions: partitions, config: config)])
        #expect(outcome[name] == .created)
        return name
    }

    static func connection() throws -> PostgresConnection {
        try PostgresConnection(connectionString: try postgresURL(), logger: logger)
    }

    /// A new, empty database, for tests that need a schema of their own; returns its URL.
    static func createDatabase() throws -> String {
        let name = "test_\(UUID().uuidString.prefix(8).lowercased())"
        try connection().query("CREATE DATABASE \(name)")
        let base = try postgresURL()
        return String(base[..<base.lastIndex(of: "/")!]) + "/" + name
    }
}

/// Waits until `condition` holds, polling; fails the test with `what` after `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out after \(timeout) waiting for: \(what)")
    throw CancellationError()
}

/// Runs blocking work (a whole libpq session) on a dispatch thread, as two processes would run it.
func onBlockingThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
