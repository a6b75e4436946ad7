import ArgumentParser
import Dispatch
import Foundation
import Logging
import SkillStreamLogging
import SkillStreamMonitoring
import SkillStreamProcessor

/// How a long-running command logs: level and format (JSON lines for log shippers, text for a
/// terminal), shared by `process`, `serve` and `lag-exporter`.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Log format: json (one object per line, the default when standard error is not a terminal) or text.")
    var logFormat: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown log level \(logLevel).") }
        guard logFormat.map({ ["json", "text"].contains($0) }) ?? true else { throw ValidationError("--log-format is json or text.") }
    }

    func logger(label: String) -> Logger {
        let json = logFormat.map { $0 == "json" } ?? (isatty(STDERR_FILENO) == 0)
        var logger = json ? Logger(label: label) { JSONLogHandler(label: $0) } : Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// Runs `handler` on SIGTERM and SIGINT (instead of dying) until the returned sources are
/// cancelled.
func onTermination(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGTERM, SIGINT].map { signalNumber in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber)
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}

/// Serves the operators' endpoints until they are shut down. If they fail (the port is taken…),
/// logs it as critical, runs `stop` and fails: a process without its probes and metrics
/// cannot be operated, so it stops rather than run blind.
func serveOrStop(_ server: OperatorServer, logger: Logger, stop: @escaping @Sendable () async -> Void) async throws {
    do {
        try await server.run()
    } catch {
        logger.critical("The operators' HTTP endpoints on \(server.host):\(server.port) failed: \(error)")
        await stop()
        throw ExitCode.failure
    }
}
