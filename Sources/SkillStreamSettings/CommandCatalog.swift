import Foundation

/// One option of a command, as the command-line parser declares it: what the environment or a
/// settings file may set in its place.
public struct OptionDeclaration: Sendable, Hashable {
    /// The long name without its dashes, e.g. `checkpoint-interval-ms`.
    public var name: String
    /// A flag takes no value: set means present.
    public var isFlag: Bool
    /// May be given several times (e.g. `--kafka-property`).
    public var isRepeating: Bool
    /// The default as the parser prints it (`true` or `false` for a flag); `nil` when there is none.
    public var defaultValue: String?
    /// For a flag with an inversion (`--standardize` / `--no-standardize`): the inverted name,
    /// which a false setting becomes.
    public var inversion: String?

    public init(name: String, isFlag: Bool = false, isRepeating: Bool = false, defaultValue: String? = nil, inversion: String? = nil) {
        self.name = name
        self.isFlag = isFlag
        self.isRepeating = isRepeating
        self.defaultValue = defaultValue
        self.inversion = inversion
    }

    /// Whether its values are NAME=VALUE pairs (librdkafka properties, topic configuration),
    /// which merge across sources by NAME.
    public var takesNamedValues: Bool { isRepeating && (name.hasSuffix("-property") || name.hasSuffix("-config")) }

    /// The environment variable that sets it: `SKILLSTREAM_` and the name in upper snake case,
    /// except the two servers, which keep their established names.
    public var environmentVariable: String {
        switch name {
        case "brokers": "SKILLSTREAM_KAFKA_BROKERS"
        case "postgres": "SKILLSTREAM_POSTGRES_URL"
        default: "SKILLSTREAM_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        }
    }
}

/// A command's path (e.g. `["topics", "create"]`), its options and its subcommands.
public struct CommandDeclaration: Sendable, Hashable {
    public var path: [String]
    public var options: [OptionDeclaration]
    public var subcommands: [CommandDeclaration]

    public init(path: [String], options: [OptionDeclaration], subcommands: [CommandDeclaration] = []) {
        self.path = path
        self.options = options
        self.subcommands = subcommands
    }

    /// The option with this long name, if the command has it.
    public func option(_ name: String) -> OptionDeclaration? { options.first { $0.name == name } }

    /// The subcommand with this name, in kebab or snake case (a settings file's section key).
    public func subcommand(named name: String) -> CommandDeclaration? {
        let name = name.replacingOccurrences(of: "_", with: "-")
        return subcommands.first { $0.path.last == name }
    }

    /// This command and all below it.
    var all: [CommandDeclaration] { [self] + subcommands.flatMap(\.all) }
}

/// Every command of the tool and its options, read from the parser's own description of them
/// (swift-argument-parser's `--experimental-dump-help` JSON), so that the options declared in
/// code are the only list there is.
public struct CommandCatalog: Sendable {
    public var root: CommandDeclaration

    /// Options every command has that are not settings.
    static let builtIn: Set<String> = ["help", "version", "experimental-dump-help", "generate-completion-script"]

    public init(root: CommandDeclaration) {
        self.root = root
    }

    /// The catalog from the dump-help JSON (ToolInfo version 0).
    public init(dumpHelpJSON: String) throws {
        let info = try JSONDecoder().decode(ToolInfo.self, from: Data(dumpHelpJSON.utf8))
        func declaration(_ command: ToolInfo.Command, parent: [String]) -> CommandDeclaration {
            let path = parent.isEmpty && command.superCommands == nil ? [] : parent + [command.commandName]
            let arguments = (command.arguments ?? []).compactMap { argument -> (name: String, argument: ToolInfo.Argument)? in
                guard argument.kind != "positional", let name = argument.names?.first(where: { $0.kind == "long" })?.name,
                    !Self.builtIn.contains(name)
                else { return nil }
                return (name, argument)
            }
            let flags = Set(arguments.filter { $0.argument.kind == "flag" }.map(\.name))
            let options = arguments.compactMap { name, argument -> OptionDeclaration? in
                let isFlag = argument.kind == "flag"
                // `--no-x` beside `--x` is x's inversion, not a setting of its own.
                if isFlag, name.hasPrefix("no-"), flags.contains(String(name.dropFirst(3))) { return nil }
                let inversion = isFlag && flags.contains("no-" + name) ? "no-" + name : nil
                let defaultValue = isFlag ? (argument.defaultValue == "--" + name ? "true" : "false") : argument.defaultValue
                return OptionDeclaration(
                    name: name, isFlag: isFlag, isRepeating: argument.isRepeating ?? false, defaultValue: defaultValue, inversion: inversion)
            }
            return CommandDeclaration(
                path: path, options: options, subcommands: (command.subcommands ?? []).map { declaration($0, parent: path) })
        }
        root = declaration(info.command, parent: [])
    }

    /// The command an argument list runs (its leading subcommand names) and how many arguments name it.
    public func command(invokedBy arguments: [String]) -> (command: CommandDeclaration, pathLength: Int) {
        var command = root
        var length = 0
        for argument in arguments {
            guard let next = command.subcommands.first(where: { $0.path.last == argument }) else { break }
            command = next
            length += 1
        }
        return (command, length)
    }

    /// The command at this path, if there is one.
    public func command(path: [String]) -> CommandDeclaration? {
        let found = command(invokedBy: path)
        return found.pathLength == path.count ? found.command : nil
    }

    /// Every command, the root first.
    public var commands: [CommandDeclaration] { root.all }

    /// The subset of ToolInfoV0 that is read.
    private struct ToolInfo: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }

        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
            var isRepeating: Bool?
            var defaultValue: String?
        }

        struct Command: Decodable {
            var commandName: String
            var superCommands: [String]?
            var arguments: [Argument]?
            var subcommands: [Command]?
        }

        var command: Command
    }
}
