import SkillStreamSettings
import Testing

@Suite struct SettingsResolverTests {
    /// A tool like skillstream: `process` and `topics create`, with options of every kind.
    let catalog = CommandCatalog(
        root: CommandDeclaration(
            path: [], options: [],
            subcommands: [
                CommandDeclaration(
                    path: ["process"],
                    options: [
                        OptionDeclaration(name: "brokers"),
                        OptionDeclaration(name: "postgres"),
                        OptionDeclaration(name: "group", defaultValue: "skillstream-processor"),
                        OptionDeclaration(name: "checkpoint-interval-ms", defaultValue: "1000"),
                        OptionDeclaration(name: "kafka-property", isRepeating: true),
                        OptionDeclaration(name: "consumer-property", isRepeating: true),
                        OptionDeclaration(name: "progress", isFlag: true, defaultValue: "false"),
                        OptionDeclaration(name: "standardize", isFlag: true, defaultValue: "true", inversion: "no-standardize"),
                    ]),
                CommandDeclaration(
                    path: ["topics"], options: [],
                    subcommands: [
                        CommandDeclaration(
                            path: ["topics", "create"],
                            options: [
                                OptionDeclaration(name: "brokers"), OptionDeclaration(name: "partitions", defaultValue: "6"),
                                OptionDeclaration(name: "reference-config", isRepeating: true),
                            ])
                    ]),
            ]))

    var resolver: SettingsResolver { SettingsResolver(catalog: catalog) }

    func setting(_ resolution: SettingsResolution, _ name: String) -> ResolvedSetting? { resolution.settings.first { $0.option.name == name } }

    @Test func theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() throws {
        let file = """
            group: from-file-top
            checkpoint_interval_ms: 500
            process:
              group: from-file-section
            """
        let resolution = try resolver.resolve(
            arguments: ["process", "--brokers", "cli:9092"],
            environment: ["SKILLSTREAM_KAFKA_BROKERS": "env:9092", "SKILLSTREAM_GROUP": "from-env"], file: file)
        #expect(setting(resolution, "brokers")?.values == ["cli:9092"])
        #expect(setting(resolution, "brokers")?.source == .commandLine)
        #expect(setting(resolution, "group")?.values == ["from-env"])
        #expect(setting(resolution, "group")?.source == .environment("SKILLSTREAM_GROUP"))
        #expect(setting(resolution, "checkpoint-interval-ms")?.values == ["500"])
        #expect(setting(resolution, "checkpoint-interval-ms")?.source == .file(key: "checkpoint_interval_ms"))
        #expect(setting(resolution, "postgres")?.values == [])
        #expect(setting(resolution, "progress")?.source == .defaultValue)
        #expect(resolution.arguments == ["process", "--group", "from-env", "--checkpoint-interval-ms", "500", "--brokers", "cli:9092"])
    }

    @Test func aCommandsSectionOverridesTheTopLevelAndOtherSectionsDoNotApply() throws {
        let file = """
            brokers: shared:9092
            partitions: 3
            topics:
              create:
                partitions: 12
            process:
              group: only-for-process
            """
        let create = try resolver.resolve(arguments: ["topics", "create"], environment: [:], file: file)
        #expect(create.arguments == ["topics", "create", "--brokers", "shared:9092", "--partitions", "12"])
        #expect(setting(create, "partitions")?.source == .file(key: "topics.create.partitions"))
        let process = try resolver.resolve(arguments: ["process"], environment: [:], file: file)
        #expect(setting(process, "group")?.values == ["only-for-process"])
        #expect(setting(process, "brokers")?.values == ["shared:9092"])
    }

    @Test func librdkafkaPropertiesComeFromTheirOwnVariablesAndFromAMapInTheFile() throws {
        let environment = [
            "SKILLSTREAM_RDKAFKA_SECURITY_PROTOCOL": "SASL_SSL", "SKILLSTREAM_RDKAFKA_SASL_PASSWORD": "hunter2",
            "SKILLSTREAM_RDKAFKA_CONSUMER_SESSION_TIMEOUT_MS": "10000",
        ]
        let resolution = try resolver.resolve(arguments: ["process"], environment: environment)
        #expect(setting(resolution, "kafka-property")?.values == ["sasl.password=hunter2", "security.protocol=SASL_SSL"])
        #expect(setting(resolution, "consumer-property")?.values == ["session.timeout.ms=10000"])
        #expect(setting(resolution, "kafka-property")?.shownValues == ["sasl.password=\(SecretMasking.mask)", "security.protocol=SASL_SSL"])
        let fromFile = try resolver.resolve(
            arguments: ["process"], environment: [:], file: "process:\n  kafka-property:\n    ssl.ca.location: /etc/ca.pem\n    client.id: skillstream\n")
        #expect(setting(fromFile, "kafka-property")?.values == ["client.id=skillstream", "ssl.ca.location=/etc/ca.pem"])
        #expect(fromFile.arguments == ["process", "--kafka-property", "client.id=skillstream", "--kafka-property", "ssl.ca.location=/etc/ca.pem"])
    }

    @Test func namedValuesMergeAcrossSourcesTheHigherWinningPerName() throws {
        let file = """
            kafka-property:
              client.id: from-top
              socket.timeout.ms: 1000
            process:
              kafka-property:
                client.id: from-section
            """
        let resolution = try resolver.resolve(
            arguments: ["process", "--kafka-property", "security.protocol=SSL"],
            environment: ["SKILLSTREAM_RDKAFKA_SASL_PASSWORD": "hunter2", "SKILLSTREAM_RDKAFKA_SECURITY_PROTOCOL": "SASL_SSL"], file: file)
        let merged = try #require(setting(resolution, "kafka-property"))
        #expect(merged.values == ["client.id=from-section", "sasl.password=hunter2", "security.protocol=SSL", "socket.timeout.ms=1000"])
        #expect(
            merged.source
                == .merged(["command line", "environment SKILLSTREAM_RDKAFKA_*", "file process.kafka-property", "file kafka-property"]))
        // The command line keeps its own; the rest is added once each.
        #expect(
            resolution.arguments == [
                "process", "--kafka-property", "client.id=from-section", "--kafka-property", "sasl.password=hunter2", "--kafka-property",
                "socket.timeout.ms=1000", "--kafka-property", "security.protocol=SSL",
            ])
    }

    @Test func aCommaInsideANamedValueStaysInIt() throws {
        let resolution = try resolver.resolve(
            arguments: ["topics", "create"], environment: ["SKILLSTREAM_REFERENCE_CONFIG": "cleanup.policy=compact,delete, retention.ms=1000"])
        #expect(setting(resolution, "reference-config")?.values == ["cleanup.policy=compact,delete", "retention.ms=1000"])
    }

    @Test func aFalseFlagWithAnInversionBecomesItsInversion() throws {
        #expect(try resolver.resolve(arguments: ["process"], environment: ["SKILLSTREAM_STANDARDIZE": "false"]).arguments == ["process", "--no-standardize"])
        #expect(try resolver.resolve(arguments: ["process"], environment: [:], file: "process:\n  standardize: false\n").arguments == ["process", "--no-standardize"])
        let given = try resolver.resolve(arguments: ["process", "--no-standardize"], environment: ["SKILLSTREAM_STANDARDIZE": "true"])
        #expect(setting(given, "standardize")?.values == ["false"])
        #expect(setting(given, "standardize")?.source == .commandLine)
        #expect(given.arguments == ["process", "--no-standardize"])
    }

    @Test func sectionNamesMayBeSnakeCase() throws {
        let resolution = try resolver.resolve(arguments: ["topics", "create"], environment: [:], file: "topics:\n  create:\n    partitions: 4\n")
        #expect(setting(resolution, "partitions")?.values == ["4"])
        let catalog = CommandCatalog(
            root: CommandDeclaration(path: [], options: [], subcommands: [CommandDeclaration(path: ["lag-exporter"], options: [OptionDeclaration(name: "port")])]))
        let snake = try SettingsResolver(catalog: catalog).resolve(arguments: ["lag-exporter"], environment: [:], file: "lag_exporter:\n  port: 9999\n")
        #expect(snake.arguments == ["lag-exporter", "--port", "9999"])
    }

    @Test func invalidYAMLIsReportedWithoutTheTextAroundIt() throws {
        let error = #expect(throws: SettingsError.self) {
            try resolver.resolve(arguments: ["process"], environment: [:], file: "postgres: postgresql://app:s3cret@db\n  bad: [\n")
        }
        #expect(error?.description.hasPrefix("the settings file is not valid YAML: ") == true)
        #expect(error?.description.contains("s3cret") == false)
    }

    @Test func aVariableNoCommandReadsIsReportedAsLikelyMisspelt() {
        let environment = [
            "SKILLSTREAM_CHEKPOINT_INTERVAL_MS": "5", "SKILLSTREAM_PARTITIONS": "3", "SKILLSTREAM_JWT_SECRET": "x", "SKILLSTREAM_CONFIG": "f",
            "SKILLSTREAM_RDKAFKA_SECURITY_PROTOCOL": "SSL", "SKILLSTREAM_KAFKA_BROKERS": "b", "HOME": "/root",
        ]
        // PARTITIONS belongs to topics create, not to process: still a setting, so not reported.
        #expect(resolver.unknownVariables(in: environment) == ["SKILLSTREAM_CHEKPOINT_INTERVAL_MS"])
    }

    @Test func flagsFromTheEnvironmentAreTrueOrFalseAndAnythingElseIsAnError() throws {
        #expect(try resolver.resolve(arguments: ["process"], environment: ["SKILLSTREAM_PROGRESS": "true"]).arguments == ["process", "--progress"])
        #expect(try resolver.resolve(arguments: ["process"], environment: ["SKILLSTREAM_PROGRESS": "0"]).arguments == ["process"])
        #expect(throws: SettingsError("SKILLSTREAM_PROGRESS=maybe: a flag is true or false")) {
            try resolver.resolve(arguments: ["process"], environment: ["SKILLSTREAM_PROGRESS": "maybe"])
        }
    }

    @Test func aMisspeltSettingInTheFileIsAnErrorThatNamesIt() throws {
        #expect(throws: SettingsError("the settings file has an unknown setting \"grup\"")) {
            try resolver.resolve(arguments: ["process"], environment: [:], file: "grup: x\n")
        }
        // Checked in every section, not only the one of the command that runs.
        let error = #expect(throws: SettingsError.self) {
            try resolver.resolve(arguments: ["process"], environment: [:], file: "topics:\n  create:\n    partition: 3\n")
        }
        #expect(error?.description.contains("\"topics.create\" has an unknown setting \"partition\"") == true)
        #expect(throws: SettingsError.self) { try resolver.resolve(arguments: ["process"], environment: [:], file: "process: [1, 2]\n") }
        #expect(throws: SettingsError.self) { try resolver.resolve(arguments: ["process"], environment: [:], file: "group: [a, b]\n") }
        #expect(throws: SettingsError.self) { try resolver.resolve(arguments: ["process"], environment: [:], file: "group: 'unterminated\n") }
    }

    @Test func theSettingsFileIsNamedOnTheCommandLineOrInTheEnvironmentAndRemovedFromTheArguments() throws {
        let given = try SettingsResolver.settingsFile(arguments: ["process", "--config", "a.yaml", "--group", "g"], environment: [:])
        #expect(given.path == "a.yaml")
        #expect(given.arguments == ["process", "--group", "g"])
        #expect(try SettingsResolver.settingsFile(arguments: ["--config=b.yaml", "process"], environment: ["SKILLSTREAM_CONFIG": "c.yaml"]).path == "b.yaml")
        #expect(try SettingsResolver.settingsFile(arguments: ["process"], environment: ["SKILLSTREAM_CONFIG": "c.yaml"]).path == "c.yaml")
        // After `--` nothing is an option.
        #expect(try SettingsResolver.settingsFile(arguments: ["x", "--", "--config", "d"], environment: [:]).path == nil)
        #expect(throws: SettingsError.self) { try SettingsResolver.settingsFile(arguments: ["process", "--config"], environment: [:]) }
    }

    @Test func optionsGivenAsNameEqualsValueCountAsGiven() throws {
        let resolution = try resolver.resolve(arguments: ["process", "--group=mine"], environment: ["SKILLSTREAM_GROUP": "env"])
        #expect(setting(resolution, "group")?.values == ["mine"])
        #expect(resolution.arguments == ["process", "--group=mine"])
    }
}

@Suite struct SecretMaskingTests {
    @Test func aPostgresPasswordIsMaskedInURLsAndKeyValueStrings() {
        #expect(SecretMasking.masked(option: "postgres", value: "postgresql://app:s3cret@db:5432/skills?sslmode=verify-full")
            == "postgresql://app:********@db:5432/skills?sslmode=verify-full")
        #expect(SecretMasking.masked(option: "postgres", value: "postgresql://app@db/skills?password=s3cret&sslmode=require")
            == "postgresql://app@db/skills?password=********&sslmode=require")
        #expect(SecretMasking.masked(option: "postgres", value: "host=db user=app password=s3cret dbname=skills")
            == "host=db user=app password=******** dbname=skills")
        #expect(SecretMasking.masked(option: "postgres", value: "postgresql://app@db/skills") == "postgresql://app@db/skills")
        #expect(SecretMasking.masked(option: "postgres", value: "host=db password = 'a b\\' c' user=app") == "host=db password = ******** user=app")
        #expect(SecretMasking.masked(option: "postgres", value: "password=x host=db") == "password=******** host=db")
        #expect(SecretMasking.masked(option: "postgres", value: "postgresql://db/skills?PASSWORD=x") == "postgresql://db/skills?PASSWORD=********")
    }

    @Test func credentialPropertiesAndSecretOptionsAreMaskedButPathsAndOtherValuesAreNot() {
        #expect(SecretMasking.masked(option: "kafka-property", value: "sasl.jaas.config=org.x required password=\"p\"") == "sasl.jaas.config=********")
        #expect(SecretMasking.masked(option: "kafka-property", value: "ssl.key.password=p") == "ssl.key.password=********")
        #expect(SecretMasking.masked(option: "kafka-property", value: "security.protocol=SSL") == "security.protocol=SSL")
        #expect(SecretMasking.masked(option: "jwt-secret-file", value: "/run/secrets/jwt") == "/run/secrets/jwt")
        #expect(SecretMasking.masked(option: "api-token", value: "abc") == SecretMasking.mask)
        #expect(SecretMasking.masked(option: "group", value: "skillstream-processor") == "skillstream-processor")
    }
}
