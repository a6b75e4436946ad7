import Foundation
import SkillStreamKafka
import Testing

/// The `skillstream` binary's settings layer, end to end: a YAML settings file and the
/// environment set what `topics create` does on the real broker, and `config print` shows the
/// same settings with their sources and secrets masked.
@Suite(.serialized) struct SettingsIntegrationTests {
    @Test func topicsCreateTakesItsSettingsFromTheFileAndTheEnvironmentAndConfigPrintShowsThemMasked() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let prefix = "settings\(UUID().uuidString.prefix(6).lowercased())."
        let file = directory.appendingPathComponent("skillstream.yaml")
        try """
            topic-prefix: \(prefix)
            kafka-property:
              client.id: settings-test
              sasl.password: not-used-but-secret
            topics:
              create:
                partitions: 2
                reference-config:
                  retention.ms: 86400000
            """.write(to: file, atomically: true, encoding: .utf8)
        /// Runs the binary with extra environment variables to its end; its exit status and output.
        func run(_ environment: [String], _ arguments: [String], log: String) async throws -> (status: Int32, output: String) {
            let process = try ProcessorIntegrationTests.start(
                command: ["/usr/bin/env"] + environment + [ProcessorIntegrationTests.binary] + arguments, log: log)
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
        }
        // The broker comes from the environment (SKILLSTREAM_KAFKA_BROKERS), as in a container.
        // librdkafka refuses a SASL password without SASL: the first file's credential is only for config print.
        let created = directory.appendingPathComponent("created.yaml")
        try "topic-prefix: \(prefix)\ntopics:\n  create:\n    partitions: 2\n".write(to: created, atomically: true, encoding: .utf8)
        let (status, output) = try await run([], ["topics", "create", "--config", created.path], log: directory.appendingPathComponent("topics.log").path)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(prefix)pos.table-service: created (2 partitions)"))
        let admin = try KafkaAdmin(configuration: try IntegrationEnvironment.kafkaConfiguration(), logger: IntegrationEnvironment.logger)
        let described = try await admin.describeTopics([prefix + "pos.table-service", prefix + "ref.restaurants"])
        #expect(described.map(\.partitions.count) == [2, 2], "partitions from the file's topics.create section")

        // Run again with the environment asking for 3: the topics exist and are reported as they are.
        let (againStatus, againOutput) = try await run(
            ["SKILLSTREAM_PARTITIONS=3"], ["topics", "create", "--config", created.path], log: directory.appendingPathComponent("again.log").path)
        #expect(againStatus == 0, "\(againOutput)")
        #expect(againOutput.contains("\(prefix)pos.table-service: already existed with 2 partitions, not the 3 asked for (left as it is)"))

        let (printStatus, shown) = try await run(
            ["SKILLSTREAM_POSTGRES_URL=postgresql://app:pg-secret@db/skills", "SKILLSTREAM_REPLICATION_FACTOR=3"],
            ["config", "print", "topics", "create", "--config", file.path], log: directory.appendingPathComponent("print.log").path)
        #expect(printStatus == 0, "\(shown)")
        for line in [
            "  create:", "    partitions: \"2\"  # file topics.create.partitions", "    replication-factor: \"3\"  # environment SKILLSTREAM_REPLICATION_FACTOR",
            "    postgres: \"postgresql://app:********@db/skills\"  # environment SKILLSTREAM_POSTGRES_URL",
            "    topic-prefix: \"\(prefix)\"  # file topic-prefix", "      - \"sasl.password=********\"", "      - \"retention.ms=86400000\"",
        ] {
            #expect(shown.contains(line + "\n"), "config print shows \(line)")
        }
        #expect(!shown.contains("pg-secret") && !shown.contains("not-used-but-secret"), "no secret printed")
    }
}
