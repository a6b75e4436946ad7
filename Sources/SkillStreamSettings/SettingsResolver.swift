import Foundation
import Yams

/// Where a setting's value came from.
public enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    case commandLine
    /// The environment variable(s) that set it.
    case environment(String)
    /// The settings file, with the key that set it (`process.group`, or `group` at the top level).
    case file(key: String)
    case defaultValue
    /// NAME=VALUE settings merged from these sources (highest first).
    case merged([String])

    public var description: String {
        switch self {
        case .commandLine: "command line"
        case .environment(let variable): "environment \(variable)"
        case .file(let key): "file \(key)"
        case .defaultValue: "default"
        case .merged(let sources): sources.joined(separator: " + ")
        }
    }
}

/// One option of the command about to run, with its effective value(s) and their source.
public struct ResolvedSetting: Sendable, Hashable {
    public var option: OptionDeclaration
    /// The value(s); empty when unset (no default), `["true"]` for a flag that is set.
    public var values: [String]
    public var source: SettingSource

    /// The values with secrets masked (see ``SecretMasking``), for showing.
    public var shownValues: [String] { values.map { SecretMasking.masked(option: option.name, value: $0) } }
}

/// What a command line becomes once the environment and the settings file are added: the
/// arguments to parse, and every option's effective value with its source.
public struct SettingsResolution: Sendable {
    public var command: CommandDeclaration
    /// The command line to parse: the given one, without `--config FILE`, plus an option for each
    /// setting that came from the environment or the file.
    public var arguments: [String]
    public var settings: [ResolvedSetting]
}

/// A setting that cannot be used, said in words that name it.
public struct SettingsError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Resolves every option of a command from, highest first: the command line, the environment
/// (`SKILLSTREAM_<OPTION>`, see ``OptionDeclaration/environmentVariable``), the YAML settings
/// file (`--config FILE` or `$SKILLSTREAM_CONFIG`), and the option's default — the twelve-factor
/// way, without a second list of settings: the options declared for the command line are the
/// settings.
///
/// The file holds top-level settings, applied to every command that has the option, and a
/// section per command (`process:`, `topics: {create: …}`) for that command only; keys in
/// kebab or snake case. Repeatable options take a list; NAME=VALUE options (librdkafka properties,
/// topic configuration) also a map, and they merge across sources by NAME, the higher source
/// winning per NAME (a SASL password from the environment survives a `--kafka-property` on the
/// command line). In the environment, librdkafka properties are `SKILLSTREAM_RDKAFKA_<NAME>`
/// (consumer only: `SKILLSTREAM_RDKAFKA_CONSUMER_<NAME>`) with the property's dots as underscores,
/// e.g. `SKILLSTREAM_RDKAFKA_SECURITY_PROTOCOL=SASL_SSL`; other repeatable options take a
/// comma-separated list (a comma inside a NAME=VALUE's value stays in it). Flags take true or
/// false (false becomes `--no-x` for a flag with an inversion). Unknown keys in the file are
/// errors, so that a misspelt setting is not silently ignored.
public struct SettingsResolver: Sendable {
    public var catalog: CommandCatalog

    /// The environment variable naming the settings file.
    public static let fileVariable = "SKILLSTREAM_CONFIG"
    static let kafkaPrefix = "SKILLSTREAM_RDKAFKA_"
    static let consumerPrefix = "SKILLSTREAM_RDKAFKA_CONSUMER_"

    public init(catalog: CommandCatalog) {
        self.catalog = catalog
    }

    /// The settings file named on the command line (`--config FILE`, `--config=FILE`) or in the
    /// environment, and the command line without it.
    public static func settingsFile(arguments: [String], environment: [String: String]) throws -> (path: String?, arguments: [String]) {
        var remaining: [String] = []
        var path: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                remaining += arguments[index...]
                break
            }
            if argument == "--config" {
                guard index + 1 < arguments.count else { throw SettingsError("--config needs a file") }
                path = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix("--config=") {
                path = String(argument.dropFirst("--config=".count))
            } else {
                remaining.append(argument)
            }
            index += 1
        }
        return (path ?? environment[fileVariable].flatMap { $0.isEmpty ? nil : $0 }, remaining)
    }

    /// Resolves the command that `arguments` run. `file` is the settings file's YAML text, if any.
    public func resolve(arguments: [String], environment: [String: String], file: String? = nil) throws -> SettingsResolution {
        let (command, pathLength) = catalog.command(invokedBy: arguments)
        let sections = try file.map { try fileSettings(yaml: $0, for: command.path) } ?? [:]
        let given = Self.optionsGiven(in: Array(arguments.dropFirst(pathLength)))
        var added: [String] = []
        var settings: [ResolvedSetting] = []
        for option in command.options {
            // Highest first; a plain option takes the first, NAME=VALUE options merge them all.
            var candidates: [ResolvedSetting] = []
            if given.contains(option.name) || option.inversion.map(given.contains) == true {
                candidates.append(ResolvedSetting(option: option, values: Self.values(of: option, in: arguments), source: .commandLine))
            }
            if let fromEnvironment = try environmentSetting(option, environment) { candidates.append(fromEnvironment) }
            for fromFile in sections[option.name] ?? [] {
                candidates.append(ResolvedSetting(option: option, values: fromFile.values, source: .file(key: fromFile.key)))
            }
            guard let first = candidates.first else {
                settings.append(ResolvedSetting(option: option, values: option.defaultValue.map { [$0] } ?? [], source: .defaultValue))
                continue
            }
            if option.takesNamedValues, candidates.count > 1 {
                let merged = Self.merged(candidates)
                settings.append(merged)
                // What the command line lacks, from the lower sources.
                let onCommandLine = first.source == .commandLine ? Set(first.values.map(Self.valueName)) : []
                added += merged.values.filter { !onCommandLine.contains(Self.valueName($0)) }.flatMap { ["--" + option.name, $0] }
            } else {
                settings.append(first)
                if first.source != .commandLine { added += Self.arguments(for: first) }
            }
        }
        // Added options go right after the command's path: before any `--` or positional tail.
        let resolved = Array(arguments.prefix(pathLength)) + added + Array(arguments.dropFirst(pathLength))
        return SettingsResolution(command: command, arguments: resolved, settings: settings)
    }

    /// NAME=VALUE settings from several sources (highest first) as one, the highest winning per NAME.
    static func merged(_ candidates: [ResolvedSetting]) -> ResolvedSetting {
        var seen = Set<String>()
        var values: [String] = []
        var sources: [String] = []
        for candidate in candidates {
            let fresh = candidate.values.filter { seen.insert(valueName($0)).inserted }
            if !fresh.isEmpty { sources.append(candidate.source.description) }
            values += fresh
        }
        let source: SettingSource = sources.count == 1 ? candidates.first { $0.source.description == sources[0] }!.source : .merged(sources)
        return ResolvedSetting(option: candidates[0].option, values: values.sorted(), source: source)
    }

    /// The NAME of a NAME=VALUE.
    static func valueName(_ pair: String) -> String { String(pair.prefix { $0 != "=" }) }

    // MARK: - The command line

    /// The long options present on a command line (before any `--`).
    static func optionsGiven(in arguments: [String]) -> Set<String> {
        var names = Set<String>()
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            names.insert(String(argument.dropFirst(2).prefix { $0 != "=" }))
        }
        return names
    }

    /// The values an option has on the command line, in order (`["true"]` for a flag).
    static func values(of option: OptionDeclaration, in arguments: [String]) -> [String] {
        if option.isFlag {
            // The last of the flag and its inversion wins, as the parser reads them.
            let last = arguments.prefix { $0 != "--" }.last { $0 == "--" + option.name || $0 == "--" + (option.inversion ?? option.name) }
            return [last == "--" + option.name ? "true" : "false"]
        }
        var values: [String] = []
        var index = 0
        while index < arguments.count, arguments[index] != "--" {
            let argument = arguments[index]
            if argument == "--" + option.name, index + 1 < arguments.count {
                values.append(arguments[index + 1])
                index += 1
            } else if argument.hasPrefix("--" + option.name + "=") {
                values.append(String(argument.dropFirst(option.name.count + 3)))
            }
            index += 1
        }
        return values
    }

    /// The command-line form of a setting.
    static func arguments(for setting: ResolvedSetting) -> [String] {
        if setting.option.isFlag {
            if setting.values == ["true"] { return ["--" + setting.option.name] }
            return setting.option.inversion.map { ["--" + $0] } ?? []
        }
        return setting.values.flatMap { ["--" + setting.option.name, $0] }
    }

    // MARK: - The environment

    /// `SKILLSTREAM_*` variables that are not settings but are read as they are (the settings
    /// file's name, the HS256 secret) or by the deployment around the process (the container's
    /// health-check URL).
    public static let otherVariables: Set<String> = [fileVariable, "SKILLSTREAM_JWT_SECRET", "SKILLSTREAM_HEALTH_URL"]

    /// The `SKILLSTREAM_*` variables of `environment` that no option of any command reads, and
    /// that are not among ``otherVariables``: most likely misspelt settings, which would
    /// otherwise be ignored without a word. Sorted.
    public func unknownVariables(in environment: [String: String]) -> [String] {
        let known = Set(catalog.commands.flatMap { $0.options.map(\.environmentVariable) }).union(Self.otherVariables)
        return environment.keys.filter { $0.hasPrefix("SKILLSTREAM_") && !$0.hasPrefix(Self.kafkaPrefix) && !known.contains($0) }.sorted()
    }

    private func environmentSetting(_ option: OptionDeclaration, _ environment: [String: String]) throws -> ResolvedSetting? {
        if option.name == "kafka-property" || option.name == "consumer-property" {
            let consumer = option.name == "consumer-property"
            let properties = environment.keys.sorted().compactMap { key -> String? in
                let isConsumer = key.hasPrefix(Self.consumerPrefix)
                guard key.hasPrefix(Self.kafkaPrefix), isConsumer == consumer, let value = environment[key] else { return nil }
                let name = key.dropFirst(consumer ? Self.consumerPrefix.count : Self.kafkaPrefix.count)
                return name.lowercased().replacingOccurrences(of: "_", with: ".") + "=" + value
            }
            guard !properties.isEmpty else { return nil }
            return ResolvedSetting(
                option: option, values: properties, source: .environment((consumer ? Self.consumerPrefix : Self.kafkaPrefix) + "*"))
        }
        guard let value = environment[option.environmentVariable] else { return nil }
        let values: [String]
        if option.isFlag {
            switch value.lowercased() {
            case "1", "true", "yes", "on": values = ["true"]
            case "0", "false", "no", "off", "": values = ["false"]
            default: throw SettingsError("\(option.environmentVariable)=\(value): a flag is true or false")
            }
        } else if option.isRepeating {
            var items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if option.takesNamedValues {
                // A piece without `=` belongs to the value before it (cleanup.policy=compact,delete).
                items = items.reduce(into: [String]()) { joined, item in
                    if item.contains("=") || joined.isEmpty { joined.append(item) } else { joined[joined.count - 1] += "," + item }
                }
            }
            values = items
        } else {
            values = [value]
        }
        return ResolvedSetting(option: option, values: values, source: .environment(option.environmentVariable))
    }

    // MARK: - The file

    /// The file's settings that apply to the command at `path`, by option name, with the key
    /// that set each: the command's section first, then the top level. Throws for a key that no
    /// command has, and for a key in a command's section that the command does not have.
    func fileSettings(yaml: String, for path: [String]) throws -> [String: [(values: [String], key: String)]] {
        let document: Any?
        do {
            document = try Yams.load(yaml: yaml)
        } catch let error as YamlError {
            throw SettingsError("the settings file is not valid YAML: \(Self.describe(error))")
        }
        guard let document else { return [:] }
        guard let top = document as? [String: Any] else { throw SettingsError("the settings file must be a mapping of settings") }
        let known = Set(catalog.commands.flatMap { $0.options.map(\.name) })
        var sectionSettings: [String: (values: [String], key: String)] = [:]
        var topSettings: [String: (values: [String], key: String)] = [:]
        let command = catalog.command(path: path)
        // The top level: settings, and the sections of the commands at the first level.
        for (key, value) in top {
            let name = Self.optionName(key)
            if let section = catalog.root.subcommand(named: key) {
                try readSection(value, of: section, prefix: key, into: &sectionSettings, applying: path)
            } else if known.contains(name) {
                if let option = command?.option(name) { topSettings[name] = (try Self.values(value, for: option, key: key), key) }
            } else {
                throw SettingsError("the settings file has an unknown setting \"\(key)\"")
            }
        }
        return sectionSettings.mapValues { [$0] }.merging(topSettings.mapValues { [$0] }) { section, top in section + top }
    }

    /// A YAML error without the text around it (which could hold a secret): what and where.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "\(problem) at line \(mark.line), column \(mark.column)"
        default: "unreadable"
        }
    }

    /// A command's section: its options, and its subcommands' sections. Applied when the
    /// command runs (`applying`), checked always.
    private func readSection(
        _ value: Any, of command: CommandDeclaration, prefix: String, into settings: inout [String: (values: [String], key: String)], applying path: [String]
    ) throws {
        guard let section = value as? [String: Any] else {
            throw SettingsError("the settings file's \"\(prefix)\" must be a mapping of that command's settings")
        }
        let applies = path == command.path
        for (key, value) in section {
            let name = Self.optionName(key)
            if let sub = command.subcommand(named: key) {
                try readSection(value, of: sub, prefix: prefix + "." + key, into: &settings, applying: path)
            } else if let option = command.option(name) {
                let values = try Self.values(value, for: option, key: prefix + "." + key)
                if applies { settings[name] = (values, prefix + "." + key) }
            } else {
                let known = command.options.map(\.name).sorted().joined(separator: ", ")
                throw SettingsError(
                    "the settings file's \"\(prefix)\" has an unknown setting \"\(key)\"; skillstream \(command.path.joined(separator: " ")) takes: \(known)")
            }
        }
    }

    static func optionName(_ key: String) -> String { key.replacingOccurrences(of: "_", with: "-") }

    /// A file value as option values: a scalar; for a repeatable option a list of scalars, or a
    /// map (NAME: VALUE becomes NAME=VALUE, for librdkafka properties).
    static func values(_ value: Any, for option: OptionDeclaration, key: String) throws -> [String] {
        func scalar(_ value: Any) throws -> String {
            switch value {
            case let text as String: return text
            case let flag as Bool: return flag ? "true" : "false"
            case let number as Int: return String(number)
            case let number as Double: return String(number)
            default: throw SettingsError("the settings file's \"\(key)\" must be a single value")
            }
        }
        if option.isFlag {
            let text = try scalar(value)
            guard text == "true" || text == "false" else { throw SettingsError("the settings file's \"\(key)\" is a flag: true or false") }
            return [text]
        }
        if option.isRepeating {
            if let list = value as? [Any] { return try list.map(scalar) }
            if let map = value as? [String: Any] { return try map.keys.sorted().map { "\($0)=\(try scalar(map[$0]!))" } }
            return [try scalar(value)]
        }
        return [try scalar(value)]
    }
}
