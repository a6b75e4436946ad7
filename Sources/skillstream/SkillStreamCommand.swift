import ArgumentParser
import Foundation
import Logging
import SkillStreamKafka
import SkillStreamPostgres

/// The `skillstream` command: the stream processor's entry point and its operator tools.
@main
struct SkillStreamCommand: AsyncParsableCommand {
    /// Runs the command line with the settings of the environment and the settings file added
    /// (see ``Settings``), so that the parser stays the one place that checks every value.
    static func main() async {
        do {
            let resolution = try Settings.resolve(arguments: Array(CommandLine.arguments.dropFirst()), warn: true)
            var command: ParsableCommand
            do {
                command = try await asyncParseAsRoot(resolution.arguments)
            } catch {
                // A value the environment or the file gave: say where it came from.
                let added = resolution.settings.filter { $0.source != .commandLine && $0.source != .defaultValue }
                if !added.isEmpty {
                    let sources = added.map { "--\($0.option.name) from \($0.source)" }.joined(separator: ", ")
                    FileHandle.standardError.write(Data("Settings not on the command line: \(sources)\n".utf8))
                }
                throw error
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "skillstream",
        abstract: "Finds where restaurant service staff fall short and which training closes the gap, from a Kafka event stream.",
        version: "skillstream \(version)",
        subcommands: [ConfigCommand.self, MigrateCommand.self, DoctorCommand.self, TopicsCommand.self, ProcessCommand.self, ServeCommand.self, LagExporterCommand.self, TokenCommand.self, SummaryCommand.self, EvaluateCommand.self, SimulateCommand.self, BackfillCommand.self, EvaluateScenarioCommand.self, ReplayCommand.self, ShareProgramEffectsCommand.self]
    )
}

/// Options naming the servers, shared by the subcommands; each falls back to its environment variable.
struct ServerOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers (host:port,…). Default: $SKILLSTREAM_KAFKA_BROKERS.")
    var brokers: String?

    @Option(help: "PostgreSQL connection string, URL or key=value. Default: $SKILLSTREAM_POSTGRES_URL.")
    var postgres: String?

    @Option(
        help: """
            Seconds a PostgreSQL call may wait on a server that says nothing (a stopped or hung \
            server whose host still answers) before the session is closed and the call fails as a \
            lost connection, which the processor and the API retry; 0 waits for ever, up to \
            86400. Default: 60; for migrate, 0 (a migration may rightly run long in silence).
            """)
    var postgresAnswerTimeout: Double?
    /// The answer timeout where none is given, but for `migrate`.
    static let defaultAnswerTimeoutSeconds = 60.0

    func brokersOrEnvironment() throws -> String { try Self.brokers(brokers) }

    /// `explicit`, else $SKILLSTREAM_KAFKA_BROKERS, else a validation error saying so.
    static func brokers(_ explicit: String?) throws -> String {
        guard let value = explicit ?? ProcessInfo.processInfo.environment["SKILLSTREAM_KAFKA_BROKERS"] else {
            throw ValidationError("No Kafka brokers: pass --brokers or set SKILLSTREAM_KAFKA_BROKERS.")
        }
        return value
    }

    /// A pool's configuration: the connection string and the answer timeout.
    func postgresConfiguration(maximumConnections: Int = 4) throws -> PostgresConfiguration {
        PostgresConfiguration(connectionString: try postgresOrEnvironment(), maximumConnections: maximumConnections, answerTimeout: answerTimeout())
    }

    /// One session, with the answer timeout (`defaultSeconds` unless given; 0: none).
    func connectPostgres(logger: Logger, defaultSeconds: Double = defaultAnswerTimeoutSeconds) throws -> PostgresConnection {
        try PostgresConnection(connectionString: try postgresOrEnvironment(), answerTimeout: answerTimeout(defaultSeconds: defaultSeconds), logger: logger)
    }

    func validate() throws {
        if let postgresAnswerTimeout, !(0...86_400).contains(postgresAnswerTimeout) {
            throw ValidationError("--postgres-answer-timeout is a number of seconds from 0 (wait for ever) to 86400.")
        }
    }

    private func answerTimeout(defaultSeconds: Double = defaultAnswerTimeoutSeconds) -> Duration? {
        let seconds = postgresAnswerTimeout ?? defaultSeconds
        return seconds == 0 ? nil : .milliseconds(Int64((seconds * 1_000).rounded(.up)))
    }

    func postgresOrEnvironment() throws -> String {
        guard let value = postgres ?? ProcessInfo.processInfo.environment["SKILLSTREAM_POSTGRES_URL"] else {
            throw ValidationError("No PostgreSQL: pass --postgres or set SKILLSTREAM_POSTGRES_URL.")
        }
        return value
    }
}

/// Applies the SQL migrations under Schemas/postgres (safe to run from several processes at once).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the PostgreSQL schema migrations that are not applied yet.")

    @OptionGroup var servers: ServerOptions

    @Option(help: "Directory of NNNN_name.sql migration files.")
    var migrations = "Schemas/postgres"

    func run() async throws {
        let logger = Logger(label: "skillstream.migrate")
        let migrator = try PostgresMigrator(
            migrations: PostgresMigrator.load(directory: URL(fileURLWithPath: migrations)), logger: logger)
        let connection = try servers.connectPostgres(logger: logger, defaultSeconds: 0)
        let applied = try migrator.migrate(connection)
        print(
            applied.isEmpty
                ? "Schema up to date (\(migrator.migrations.count) migrations)."
                : "Applied \(applied.count) migration(s): " + applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))
    }
}

/// Checks that the librdkafka runtime, the broker and the database are usable, and says what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check the librdkafka runtime, the Kafka brokers and PostgreSQL.")

    @OptionGroup var servers: ServerOptions

    func run() async throws {
        var logger = Logger(label: "skillstream.doctor")
        logger.logLevel = .warning
        var healthy = true
        print("librdkafka runtime: \(KafkaRuntime.versionString)")
        do {
            try KafkaRuntime.checkSupported()
        } catch {
            print("  ✗ \((error as? KafkaError)?.message ?? "\(error)")")
            throw ExitCode.failure
        }
        do {
            let brokers = try servers.brokersOrEnvironment()
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: brokers), logger: logger)
            let count = try await admin.topicNames().count
            print("Kafka \(brokers): reachable, \(count) topic(s)")
        } catch {
            healthy = false
            print("Kafka: ✗ \(error)")
        }
        do {
            let connection = try servers.connectPostgres(logger: logger)
            let version = try connection.query("SHOW server_version")[0].decode(String.self, column: "server_version")
            print("PostgreSQL: reachable, server \(version)")
        } catch {
            healthy = false
            print("PostgreSQL: ✗ \(error)")
        }
        if !healthy { throw ExitCode.failure }
    }
}
