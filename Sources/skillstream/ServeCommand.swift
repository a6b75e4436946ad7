import ArgumentParser
import Foundation
import Logging
import SkillStreamAPI
import SkillStreamAccess
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamMonitoring
import SkillStreamPostgres
import SkillStreamProcessor

/// The keys bearer tokens are verified (and issued) with, from files or the environment;
/// shared by `serve` and `token issue`.
struct TokenKeyOptions: ParsableArguments {
    @Option(help: "File holding the HS256 shared secret (at least 32 bytes). Default: $SKILLSTREAM_JWT_SECRET (the secret itself).")
    var jwtSecretFile: String?
    @Option(help: "PEM file of the RS256 public key tokens are verified with.") var jwtPublicKey: String?
    @Option(help: "PEM file of the RS256 private key (to issue RS256 tokens; it verifies them too).") var jwtPrivateKey: String?
    @Option(help: "The tokens' issuer (iss).") var jwtIssuer = "skillstream"
    @Option(help: "The tokens' audience (aud).") var jwtAudience = "skillstream-api"

    func authority() async throws -> TokenAuthority {
        var keys = TokenKeys()
        if let jwtSecretFile {
            var secret = Array(try optionFile("--jwt-secret-file", jwtSecretFile))
            while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
            keys.hmacSecret = secret
        } else if let secret = ProcessInfo.processInfo.environment["SKILLSTREAM_JWT_SECRET"], !secret.isEmpty {
            keys.hmacSecret = Array(secret.utf8)
        }
        keys.rsaPublicKeyPEM = try jwtPublicKey.map { String(decoding: try optionFile("--jwt-public-key", $0), as: UTF8.self) }
        keys.rsaPrivateKeyPEM = try jwtPrivateKey.map { String(decoding: try optionFile("--jwt-private-key", $0), as: UTF8.self) }
        do {
            return try await TokenAuthority(keys: keys, issuer: jwtIssuer, audience: jwtAudience)
        } catch let error as TokenKeyError {
            throw ValidationError("Token keys: \(error.description). Pass --jwt-secret-file, --jwt-public-key or --jwt-private-key, or set SKILLSTREAM_JWT_SECRET.")
        }
    }
}

/// `skillstream serve`: the HTTP API for managers, training managers, customer-experience
/// managers, staff and operators, over what the processor wrote to PostgreSQL.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the HTTP API (JSON, bearer tokens) over the processor's PostgreSQL tables.")

    @OptionGroup var servers: ServerOptions
    @OptionGroup var keys: TokenKeyOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Address to listen on.") var host = "0.0.0.0"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "The processor's consumer group (whose tables, counters and lag are shown).") var group = "skillstream-processor"
    @Option(help: "The prefix before every contract topic name, as the processor's --topic-prefix.") var topicPrefix = ""
    @Option(help: "PostgreSQL connections the API may open.") var connections = 8
    @Option(help: "Kafka property for the producer, NAME=VALUE (repeatable).") var kafkaProperty: [String] = []
    @Option(help: "Port of the operators' /metrics (Prometheus: requests, their duration, parked enrolments); 0 turns it off. Kept off the API's port, which the ingress exposes.")
    var metricsPort = 9466
    @Option(help: "Address /metrics listens on.") var metricsHost = "0.0.0.0"

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port is 1 to 65535.") }
        guard (0...65_535).contains(metricsPort) else { throw ValidationError("--metrics-port is 0 (off) to 65535.") }
        guard metricsPort != port else { throw ValidationError("--metrics-port must differ from --port: /metrics stays off the API's port.") }
        guard connections > 0 else { throw ValidationError("--connections must be positive.") }
        try NamedValues.validate(kafkaProperty, option: "kafka-property")
    }

    func run() async throws {
        let logger = logging.logger(label: "skillstream.serve")
        let authority = try await keys.authority()
        // Before the server makes its instruments, so that they record into the registry.
        let metrics = metricsPort > 0
            ? OperatorServer(host: metricsHost, port: metricsPort, registry: OperatorServer.bootstrapMetrics(), logger: logger) : nil
        let client = PostgresClient(
            configuration: try servers.postgresConfiguration(maximumConnections: connections), logger: logger)
        // Without a broker the API still serves; assignments wait in the outbox.
        let brokers = servers.brokers ?? ProcessInfo.processInfo.environment["SKILLSTREAM_KAFKA_BROKERS"]
        let kafka = brokers.map { KafkaConfiguration(bootstrapServers: $0, properties: NamedValues.dictionary(kafkaProperty)) }
        let producer = try kafka.map { try KafkaProducer(configuration: $0, logger: logger) }
        if kafka == nil { logger.warning("No Kafka brokers configured: training assignments stay in the outbox until serve runs with --brokers") }
        let server = APIServer(
            configuration: .init(host: host, port: port, group: group, staffEventsTopic: ContractTopics(prefix: topicPrefix).name(Topics.staffEvents)),
            client: client, authority: authority, producer: producer, logger: logger)
        let signals = onTermination { Task { await server.shutdown() } }
        defer { signals.forEach { $0.cancel() } }
        logger.info("Serving the API on http://\(host):\(port)/api/v1 (tokens: \(authority.algorithms.map(\.rawValue).joined(separator: ", ")))")
        try await withThrowingTaskGroup { group in
            if let metrics {
                group.addTask { [logger] in try await serveOrStop(metrics, logger: logger) { await server.shutdown() } }
            }
            try await server.run()
            await metrics?.shutdown()
            try await group.waitForAll()
        }
        await producer?.shutdown(timeout: .seconds(5))
        client.close()
        logger.info("API stopped")
    }
}

/// `skillstream token`: bearer tokens for the API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Bearer tokens for the API.", subcommands: [IssueTokenCommand.self])
}

/// `skillstream token issue`: signs a token for a role and scope (for the demo and operators;
/// in production the organisation's identity provider may issue the same claims).
struct IssueTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue", abstract: "Print a signed bearer token for a role and its scope.")

    @OptionGroup var keys: TokenKeyOptions
    @Option(help: "owner, manager, training_manager, experience_manager, staff or operator.") var role: String
    @Option(help: "A restaurant the token covers (repeatable; one for staff, none for owner and operator).") var restaurant: [String] = []
    @Option(help: "The staff member a staff token belongs to.") var staff: String?
    @Option(help: "Who the token is for (recorded with their changes). Default: the role.") var subject: String?
    @Option(help: "Hours the token is valid.") var validHours = 12.0
    @Option(help: "HS256 or RS256 (default: the first configured key).") var algorithm: String?

    func validate() throws {
        guard AccessRole(rawValue: role) != nil else {
            throw ValidationError("--role is one of: \(AccessRole.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard validHours > 0, validHours <= 24 * 366 else { throw ValidationError("--valid-hours is more than 0 and at most a year.") }
        guard algorithm.map({ TokenAuthority.Algorithm(rawValue: $0.uppercased()) != nil }) ?? true else { throw ValidationError("--algorithm is HS256 or RS256.") }
    }

    func run() async throws {
        let authority = try await keys.authority()
        let role = AccessRole(rawValue: role)!
        let now = Date()
        let claims = AccessClaims(
            subject: subject ?? role.rawValue, role: role, restaurants: restaurant, staffID: staff, issuer: authority.issuer, audience: authority.audience,
            issuedAt: now, expiresAt: now.addingTimeInterval(validHours * 3_600))
        do {
            print(try await authority.issue(claims, algorithm: algorithm.flatMap { TokenAuthority.Algorithm(rawValue: $0.uppercased()) }))
        } catch let error as AccessError {
            throw ValidationError(error.detail)
        }
    }
}
