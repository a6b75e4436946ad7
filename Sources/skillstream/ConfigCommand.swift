import ArgumentParser
import Foundation
import SkillStreamSettings

/// Resolves the process's command line with the environment and the settings file.
enum Settings {
    /// Requests that print help or the version resolve nothing: a broken setting must not hide the help.
    static let passThrough: Set<String> = ["--help", "-h", "--version", "--experimental-dump-help"]

    /// Whether the command line asks for help or the version (an option before any `--`, or the `help` subcommand).
    static func asksForHelp(_ arguments: [String]) -> Bool {
        arguments.first == "help" || arguments.prefix { $0 != "--" }.contains(where: passThrough.contains)
    }

    /// The command line with the settings added; with `warn`, a warning on standard error for each
    /// `SKILLSTREAM_*` variable that no command reads (once per process: the entry point warns).
    static func resolve(
        arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment, warn: Bool = false
    ) throws -> SettingsResolution {
        let catalog = try CommandCatalog(dumpHelpJSON: SkillStreamCommand._dumpHelp())
        let resolver = SettingsResolver(catalog: catalog)
        if asksForHelp(arguments) {
            return try resolver.resolve(arguments: arguments, environment: [:])
        }
        let (path, remaining) = try SettingsResolver.settingsFile(arguments: arguments, environment: environment)
        // Named in the environment from here on, for `config print` (the option leaves the command line).
        if let path { setenv(SettingsResolver.fileVariable, path, 1) }
        let file: String?
        do {
            file = try path.map { try String(contentsOfFile: $0, encoding: .utf8) }
        } catch {
            throw SettingsError("cannot read the settings file \(path ?? ""): \(error.localizedDescription)")
        }
        for variable in resolver.unknownVariables(in: environment) where warn {
            FileHandle.standardError.write(Data("Warning: \(variable) is not a setting of any skillstream command; it is ignored.\n".utf8))
        }
        do {
            return try resolver.resolve(arguments: remaining, environment: environment, file: file)
        } catch let error as SettingsError {
            throw SettingsError("\(error.description) (settings file \(path ?? "none"))")
        }
    }
}

/// `skillstream config`: the settings a command runs with.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the settings a command runs with, and where each comes from.",
        discussion: """
            Every option of every command can also be set in the environment (SKILLSTREAM_ and the option's name in upper \
            snake case, e.g. SKILLSTREAM_CHECKPOINT_INTERVAL_MS; librdkafka properties as SKILLSTREAM_RDKAFKA_<NAME>, e.g. \
            SKILLSTREAM_RDKAFKA_SECURITY_PROTOCOL) or in a YAML settings file (--config FILE before or after the command, or \
            SKILLSTREAM_CONFIG): top-level keys for every command, a section per command (process:, serve:, topics: create:). \
            The command line wins over the environment, the environment over the file, the file over the defaults. \
            libpq's own variables (PGSSLMODE, PGPASSWORD, …) apply as well.
            """,
        subcommands: [Print.self])

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective settings of a command, secrets masked, as a settings-file section with each source.")

        @Argument(help: "The command, e.g. process, serve, or topics create.") var command: [String]
        @Option(help: "text (a YAML settings-file section with sources as comments) or json.") var format = "text"

        func validate() throws {
            guard ["text", "json"].contains(format) else { throw ValidationError("--format is text or json.") }
        }

        func run() throws {
            let resolution = try Settings.resolve(arguments: command)
            guard resolution.command.path == command else {
                throw ValidationError("No command \"\(command.joined(separator: " "))\": see skillstream --help.")
            }
            let jwtSecretSet = resolution.command.option("jwt-secret-file") != nil
                && !(ProcessInfo.processInfo.environment["SKILLSTREAM_JWT_SECRET"] ?? "").isEmpty
            print(format == "json" ? json(resolution, jwtSecretSet: jwtSecretSet) : text(resolution, jwtSecretSet: jwtSecretSet))
        }

        func text(_ resolution: SettingsResolution, jwtSecretSet: Bool) -> String {
            var lines = [
                "# skillstream \(command.joined(separator: " ")): effective settings (command line > environment > settings file > default), secrets masked"
            ]
            var indent = ""
            for name in command {
                lines.append(indent + name + ":")
                indent += "  "
            }
            for setting in resolution.settings {
                let comment = "  # \(setting.source)"
                let name = setting.option.name
                switch (setting.values.isEmpty, setting.option.isRepeating) {
                case (true, _): lines.append(indent + "# \(name): not set")
                case (false, true):
                    lines.append(indent + name + ":" + comment)
                    lines += setting.shownValues.map { indent + "  - " + quoted($0) }
                case (false, false): lines.append(indent + name + ": " + quoted(setting.shownValues[0]) + comment)
                }
            }
            if jwtSecretSet { lines.append(indent + "# SKILLSTREAM_JWT_SECRET: \(SecretMasking.mask)  # environment (the HS256 secret itself)") }
            return lines.joined(separator: "\n")
        }

        func json(_ resolution: SettingsResolution, jwtSecretSet: Bool) -> String {
            var object: [String: Any] = [
                "command": command.joined(separator: " "),
                "settings": resolution.settings.map { setting -> [String: Any] in
                    ["name": setting.option.name, "values": setting.shownValues, "source": setting.source.description]
                },
            ]
            if jwtSecretSet { object["environment_secrets"] = ["SKILLSTREAM_JWT_SECRET": SecretMasking.mask] }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        /// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
        func quoted(_ value: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
    }
}
