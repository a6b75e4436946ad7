import Foundation
import Glibc
import SkillStreamKafka
import SkillStreamPostgres
import Synchronization
import SkillStreamTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `skillstream process` as separate processes against the real broker and PostgreSQL.
@Suite(.serialized) struct ProcessorIntegrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/skillstream").path
    /// Consumer settings that make Tansu's group joins quick.
    static let kafkaProperties = ["--consumer-property", "session.timeout.ms=6000", "--consumer-property", "heartbeat.interval.ms=500"]

    /// Starts `skillstream` with these arguments; its output goes to a log file.
    static func start(_ arguments: [String], log: String) throws -> Process {
        try start(command: [binary] + arguments, log: log)
    }

    /// Every process a test started, so that a failing test leaves none behind.
    static let started = Mutex<[Process]>([])

    /// Kills whatever a test started and is still running (call with `defer`).
    static func killLeftovers() {
        for process in started.withLock({ $0 }) where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        started.withLock { $0.removeAll { !$0.isRunning } }
    }

    /// Starts a command in the repository's folder; its output goes to a log file.
    static func start(command: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = root
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        started.withLock { $0.append(process) }
        return process
    }

    /// Runs `skillstream` (or, with `shell`, the command itself) to its end; fails the test, with
    /// the log, unless it exits 0.
    static func run(_ arguments: [String], shell: Bool = false, log: String) async throws {
        let process = shell ? try start(command: arguments, log: log) : try start(arguments, log: log)
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "skillstream \(arguments.prefix(1)) exited \(process.terminationStatus):\n\(output.suffix(3_000))")
    }

    /// A fresh database with the schema applied; returns its URL.
    static func migratedDatabase(log: String) async throws -> String {
        let url = try IntegrationEnvironment.createDatabase()
        try await run(["migrate", "--postgres", url], log: log)
        return url
    }

    /// The simulated world, published under a topic prefix: the same seed gives the same bytes,
    /// keys and timestamps, so two prefixes hold identical inputs.
    static func publishWorld(prefix: String, log: String, extra: [String] = []) async throws {
        try await run(
            [
                "simulate", "--brokers", try IntegrationEnvironment.brokers(), "--topic-prefix", prefix, "--partitions", "3", "--seed", "7",
                "--restaurants", "6", "--staff-per-restaurant", "15", "--days", "60", "--ground-truth", log + ".truth.json", "--quiet",
            ] + extra, log: log)
    }

    /// The tables of one uninterrupted run of the world, and how many input records it has:
    /// what the other runs must end with. Computed once for the suite.
    struct Reference: Sendable {
        var tables: [String: [String]]
        var inputs: Int
    }

    static let reference = Task<Reference, any Error> {
        let log = IntegrationEnvironment.fileStem("processor-reference")
        let prefix = "t" + UUID().uuidString.prefix(6).lowercased() + "calm."
        try await publishWorld(prefix: prefix, log: log + ".simulate.log")
        let database = try await migratedDatabase(log: log + ".migrate.log")
        try await run(try processArguments(postgres: database, prefix: prefix, group: prefix + "group", extra: ["--exit-when-idle", "3"]), log: log + ".process.log")
        return Reference(tables: try tables(database, prefix: prefix), inputs: try checkpointedOffsets(database))
    }

    /// Expects the tables of a run to equal the reference's, table by table.
    static func expectTables(_ actual: [String: [String]], equal expected: [String: [String]], _ what: String) {
        for table in expected.keys.sorted() {
            let (want, got) = (expected[table]!, actual[table] ?? [])
            let firstDifference = want.indices.first { $0 < got.count && want[$0] != got[$0] }
            let same = want == got
            #expect(
                same,
                "\(what), \(table): \(got.count) rows against \(want.count); first difference: \(firstDifference.map { "\(got[$0]) instead of \(want[$0])" } ?? "length")")
        }
    }

    static func processArguments(postgres: String, prefix: String, group: String, extra: [String] = []) throws -> [String] {
        ["process", "--brokers", try IntegrationEnvironment.brokers(), "--postgres", postgres, "--topic-prefix", prefix, "--group", group]
            + kafkaProperties + (extra.contains("--metrics-port") ? [] : ["--metrics-port", "0"]) + extra
    }

    /// GET on the processor's operators' endpoint: the status and the body (nil when nothing answers).
    static func get(port: Int, _ path: String) async -> (status: Int, body: String)? {
        guard let (data, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!),
            let http = response as? HTTPURLResponse
        else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }

    /// The sum of a metric's samples whose labels contain all of these `name="value"` pairs.
    static func sum(_ metric: String, in exposition: String, where labels: [String] = []) -> Double {
        exposition.split(separator: "\n").reduce(0) { total, line in
            guard line.hasPrefix(metric + "{") || line.hasPrefix(metric + " "), labels.allSatisfy({ line.contains($0) }),
                let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { return total }
            return total + value
        }
    }

    /// Every table the processor writes, as JSON rows in a fixed order, without what
    /// legitimately differs between runs (group names, topic prefixes, wall-clock times, epochs).
    static func tables(_ url: String, prefix: String) throws -> [String: [String]] {
        let connection = try PostgresConnection(connectionString: url, logger: IntegrationEnvironment.logger)
        let queries = [
            "gap_alerts": "SELECT * FROM gap_alerts ORDER BY alert_id",
            "training_recommendations": "SELECT * FROM training_recommendations ORDER BY recommendation_id",
            "staff_skills": "SELECT * FROM staff_skills ORDER BY restaurant_id, staff_id, skill",
            "staff_employment": "SELECT restaurant_id, staff_id, role, hired_at, left_at FROM staff_employment ORDER BY 1, 2",
            "staff_skill_history": "SELECT * FROM staff_skill_history ORDER BY restaurant_id, staff_id, skill, assessed_at",
            "program_effectiveness": "SELECT partition, program_id, skill, observations, effect_sum FROM program_effectiveness ORDER BY 1, 2, 3",
            "processing_counters": "SELECT partition, counter, value FROM processing_counters ORDER BY 1, 2",
            "model_quality": "SELECT partition, restaurant_id, model, driving, examples, log_loss, roc_auc, f1, drifts_detected FROM model_quality ORDER BY 1, 2, 3",
            "partition_checkpoints": "SELECT replace(topic, $1, '') AS topic, partition, next_offset FROM partition_checkpoints ORDER BY 1, 2",
            "engine_checkpoints":
                "SELECT partition, md5(snapshot) AS snapshot, replace(reference_offsets::text, $1, '') AS reference_offsets FROM engine_checkpoints ORDER BY 1",
        ]
        var result: [String: [String]] = [:]
        for (table, query) in queries {
            let parameters: [any PostgresEncodable] = query.contains("$1") ? [prefix] : []
            result[table] = try connection.query("SELECT row_to_json(t)::text AS row FROM (\(query)) t", parameters).map { try $0.decode(String.self, column: "row") }
        }
        return result
    }

    /// The `alert_id`s (or another id field) of every record on a topic.
    static func ids(onTopic topic: String, field: String) async throws -> Set<String> {
        Set(try await records(onTopic: topic).compactMap { message in
            (try? JSONSerialization.jsonObject(with: Data(message.value ?? [])) as? [String: Any])?[field] as? String
        })
    }

    /// Input offsets checkpointed so far.
    static func checkpointedOffsets(_ url: String) throws -> Int {
        let connection = try PostgresConnection(connectionString: url, logger: IntegrationEnvironment.logger)
        return try connection.query("SELECT coalesce(sum(next_offset), 0)::bigint AS total FROM partition_checkpoints")[0].decode(Int.self, column: "total")
    }

    /// The next input offset PostgreSQL holds for each partition.
    static func checkpointedOffsetsByPartition(_ url: String) throws -> [KafkaTopicPartition: Int64] {
        let connection = try PostgresConnection(connectionString: url, logger: IntegrationEnvironment.logger)
        var checkpointed: [KafkaTopicPartition: Int64] = [:]
        for row in try connection.query("SELECT topic, partition, next_offset FROM partition_checkpoints") {
            let partition = KafkaTopicPartition(topic: try row.decode(String.self, column: "topic"), partition: Int32(try row.decode(Int.self, column: "partition")))
            checkpointed[partition] = Int64(try row.decode(Int.self, column: "next_offset"))
        }
        return checkpointed
    }

    /// Starts `skillstream` and waits until it has checkpointed input beyond `beyond` records:
    /// a processor caught mid-run.
    static func startAndAwaitProgress(_ arguments: [String], log: String, database: String, beyond: Int = 0) async throws -> Process {
        let process = try start(arguments, log: log)
        try await eventually("the processor checkpoints progress", timeout: .seconds(90)) { try checkpointedOffsets(database) > beyond }
        return process
    }

    /// One test's run of the world: its log-file stem, its own topic prefix (the world published
    /// there), a fresh migrated database, and the reference to compare with.
    struct Scenario {
        var log: String
        var prefix: String
        var database: String
        var reference: Reference
    }

    static func scenario(_ name: String, simulate extra: [String] = []) async throws -> Scenario {
        let log = IntegrationEnvironment.fileStem("processor-\(name)")
        let prefix = "t" + UUID().uuidString.prefix(6).lowercased() + name + "."
        try await publishWorld(prefix: prefix, log: log + ".simulate.log", extra: extra)
        let reference = try await Self.reference.value
        return Scenario(log: log, prefix: prefix, database: try await migratedDatabase(log: log + ".migrate.log"), reference: reference)
    }

    @Test func killedFiveTimesTheProcessorEndsWithTheTablesOfAnUninterruptedRun() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("killed")
        let (log, killed, killedDatabase) = (scenario.log, scenario.prefix, scenario.database)
        let (expected, inputs) = (scenario.reference.tables, scenario.reference.inputs)
        #expect(!expected["gap_alerts", default: []].isEmpty && !expected["training_recommendations", default: []].isEmpty, "the world has gaps")

        // The same input, with the processor killed (SIGKILL, no chance to clean up) five times
        // at random moments while it works, checkpointing often.
        let arguments = try Self.processArguments(
            postgres: killedDatabase, prefix: killed, group: killed + "group",
            // A small merge buffer: fetching pauses and resumes all the time, across the kills too.
            extra: ["--checkpoint-interval-ms", "100", "--checkpoint-records", "200", "--max-buffered-records", "300"])
        var generator = SystemRandomNumberGenerator()
        for kill in 1...5 {
            let process = try await Self.startAndAwaitProgress(
                arguments, log: log + ".killed.log", database: killedDatabase, beyond: try Self.checkpointedOffsets(killedDatabase))
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &generator)))
            Foundation.kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(process.terminationReason == .uncaughtSignal, "run \(kill) was killed, not finished")
            #expect(try Self.checkpointedOffsets(killedDatabase) < inputs, "run \(kill) was killed before the end of the input")
        }
        try await Self.run(arguments + ["--exit-when-idle", "3"], log: log + ".killed.log")

        let actual = try Self.tables(killedDatabase, prefix: killed)
        Self.expectTables(actual, equal: expected, "killed five times")
        try await Self.expectPublished(actual, prefix: killed, recommendations: true)
    }

    /// Every alert of these tables (and, with `recommendations`, every recommendation) reached
    /// its topic at least once.
    static func expectPublished(_ tables: [String: [String]], prefix: String, recommendations: Bool = false) async throws {
        let alertIDs = Set(tables["gap_alerts", default: []].compactMap { field("alert_id", of: $0) })
        #expect(alertIDs.isSubset(of: try await ids(onTopic: prefix + "skills.gap-alerts", field: "alert_id")), "every alert reached its topic")
        guard recommendations else { return }
        let recommendationIDs = Set(tables["training_recommendations", default: []].compactMap { field("recommendation_id", of: $0) })
        #expect(
            recommendationIDs.isSubset(of: try await ids(onTopic: prefix + "skills.training-recommendations", field: "recommendation_id")),
            "every recommendation reached its topic")
    }

    /// The broker's process (Tansu, which Scripts/services.sh started), to freeze with SIGSTOP.
    static func brokerProcess() throws -> pid_t {
        let services = try IntegrationEnvironment.variable("SERVICES_STATE_DIR")
        return pid_t(try String(contentsOfFile: services + "/tansu.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    static func field(_ name: String, of json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?[name] as? String
    }

    @Test func threeReplicasEndWithTheTablesOfOne() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("three")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        // They join one after another: the group rebalances twice while the first works. They
        // leave 10 s apart: Tansu's coordinator can stay stuck for good when the group's leader
        // leaves while a rebalance is under way (JoinGroup keeps naming the departed leader;
        // reproduced with plain confluent-kafka consumers), which two replicas idle at the same
        // moment once caused here. librdkafka's group exchanges are logged (debug=cgrp).
        var replicas: [Process] = []
        func replicaLog(_ index: Int) -> String { (try? String(contentsOfFile: log + ".replica\(index).log", encoding: .utf8)) ?? "" }
        for index in 0..<3 {
            let arguments = try Self.processArguments(
                postgres: database, prefix: prefix, group: prefix + "group",
                extra: [
                    "--checkpoint-interval-ms", "200", "--exit-when-idle", String(5 + 10 * index), "--log-level", "debug", "--consumer-property", "debug=cgrp",
                ])
            replicas.append(try Self.start(arguments, log: log + ".replica\(index).log"))
            try await Task.sleep(for: .seconds(2))
        }
        do {
            try await eventually("the three replicas finish", timeout: .seconds(240)) { replicas.allSatisfy { !$0.isRunning } }
        } catch {
            for (index, replica) in replicas.enumerated() where replica.isRunning {
                Issue.record("replica \(index) still running; its log (\(log).replica\(index).log) ends with:\n\(replicaLog(index).suffix(6_000))")
            }
            throw error
        }
        for (index, replica) in replicas.enumerated() {
            #expect(replica.terminationStatus == 0, "replica \(index): \(replicaLog(index).suffix(2_000))")
        }
        let logs = (0..<3).map(replicaLog)
        #expect(logs.filter { $0.contains("Partitions assigned and restored") }.count == 3, "every replica owned partitions at some point")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "three replicas")
    }

    @Test func tenThousandMalformedMessagesAllReachTheDeadLettersWithTheirReasonAndTheAccountsBalance() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("bad", simulate: ["--malformed-rate", "0.42"])
        let (log, prefix) = (scenario.log, scenario.prefix)
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: log + ".simulate.log.truth.json"))) as! [String: Any]
        let faults = truth["faults"] as! [String: Any]
        let injected = (faults["malformed_by_reason"] as! [String: Int])
        #expect(injected.values.reduce(0, +) >= 10_000, "at least 10,000 malformed messages: \(injected)")
        let database = scenario.database
        try await Self.run(
            try Self.processArguments(postgres: database, prefix: prefix, group: prefix + "group", extra: ["--exit-when-idle", "3"]), log: log + ".process.log")

        // The counters: every injected fault dead-lettered for its reason, and the accounts balance.
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        var counters: [Int: [String: Int]] = [:]
        for row in try connection.query("SELECT partition, counter, value FROM processing_counters") {
            counters[try row.decode(Int.self, column: "partition"), default: [:]][try row.decode(String.self, column: "counter")] = try row.decode(
                Int.self, column: "value")
        }
        for (partition, values) in counters {
            #expect(values["consumed"] == values["processed"]! + values["dead_lettered"]! + values["duplicates"]!, "partition \(partition) balances: \(values)")
        }
        for (reason, count) in injected {
            let counted = counters.values.reduce(0) { $0 + ($1["dead_lettered:" + reason] ?? 0) }
            #expect(counted == count, "\(reason): \(counted) dead-lettered, \(count) injected")
        }
        // The topic: each dead letter once, with the original bytes and the contract's headers.
        let deadLetters = try await Self.records(onTopic: prefix + "skillstream.dead-letter")
        let total = counters.values.reduce(0) { $0 + ($1["dead_lettered"] ?? 0) }
        #expect(deadLetters.count == total, "\(deadLetters.count) on the topic, \(total) counted")
        var byReason: [String: Int] = [:]
        var sources = Set<String>()
        for message in deadLetters {
            let headers = Dictionary(message.headers.map { ($0.name, $0.stringValue ?? "") }, uniquingKeysWith: { first, _ in first })
            byReason[headers["reason"] ?? "none", default: 0] += 1
            #expect(headers["message"]?.isEmpty == false && headers["source_topic"]?.hasPrefix(prefix) == true)
            sources.insert("\(headers["source_topic"] ?? "")/\(headers["source_partition"] ?? "")/\(headers["source_offset"] ?? "")")
        }
        #expect(sources.count == deadLetters.count, "each dead letter names its own source record")
        for (reason, count) in injected { #expect((byReason[reason] ?? 0) >= count, "\(reason) on the topic: \(byReason[reason] ?? 0) of \(count)") }
    }

    /// Every record on a topic, read to its end.
    static func records(onTopic topic: String) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(
            configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: "reader-\(UUID().uuidString)", logger: IntegrationEnvironment.logger)
        let partitions = try await consumer.partitions(of: topic)
        try await consumer.assign(partitions.map { KafkaTopicPartitionOffset(topicPartition: $0, offset: KafkaOffset.beginning) })
        var records: [KafkaConsumerMessage] = []
        try await eventually("reading \(topic) to its end") {
            records += try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(200)).messages
            return try consumer.localLag(for: partitions).allSatisfy { $0.highWatermark != nil && $0.lag == 0 }
        }
        try await consumer.close()
        return records
    }

    @Test func brokerFrozenForTwentySecondsMidRunLosesNothingAndCountsNothingTwice() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("brokerdown")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let process = try await Self.startAndAwaitProgress(
            try Self.processArguments(
                postgres: database, prefix: prefix, group: prefix + "group",
                extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500", "--exit-when-idle", "5"]),
            log: log + ".process.log", database: database)
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "the broker goes away mid-run")
        // SIGSTOP: the broker keeps its (in-memory) log but answers nothing, as a broker that hangs
        // or a network partition; its sessions expire meanwhile, so the group rebalances after.
        let broker = try Self.brokerProcess()
        kill(broker, SIGSTOP)
        try await Task.sleep(for: .seconds(20))
        let running = process.isRunning
        kill(broker, SIGCONT)
        #expect(running, "the processor waits for the broker instead of failing")
        try await eventually("the processor finishes", timeout: .seconds(240)) { !process.isRunning }
        let output = (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output.suffix(2_000))")
        let tables = try Self.tables(database, prefix: prefix)
        Self.expectTables(tables, equal: reference.tables, "broker frozen for 20 s")
        try await Self.expectPublished(tables, prefix: prefix)
    }

    @Test func sigtermWhileTheBrokerIsFrozenStopsWithinTenSecondsAndLosesNothing() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("termbrokerdown")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let arguments = try Self.processArguments(
            postgres: database, prefix: prefix, group: prefix + "group", extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500"])
        let process = try await Self.startAndAwaitProgress(arguments, log: log + ".process.log", database: database)
        func processLog() -> String { (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? "" }
        let broker = try Self.brokerProcess()
        kill(broker, SIGSTOP)
        defer { kill(broker, SIGCONT) }  // whatever happens: later tests need it
        // Long enough for the outputs checkpointed meanwhile to wait on a broker that answers nothing.
        try await Task.sleep(for: .seconds(8))
        let signalled = ContinuousClock.now
        process.terminate()
        try await eventually("the processor exits after SIGTERM", timeout: .seconds(60)) { !process.isRunning }
        let took = ContinuousClock.now - signalled
        kill(broker, SIGCONT)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(processLog().suffix(2_000))")
        #expect(took < .seconds(10), "stopped within 10 s of SIGTERM although the broker answers nothing (took \(took))")
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "stopped mid-run")
        // The next run picks up where PostgreSQL says and publishes what the stop left in the outbox.
        try await Self.run(arguments + ["--exit-when-idle", "5"], log: log + ".process.log")
        let tables = try Self.tables(database, prefix: prefix)
        Self.expectTables(tables, equal: reference.tables, "stopped while the broker was frozen")
        try await Self.expectPublished(tables, prefix: prefix)
    }

    @Test func postgresStoppedForTwentySecondsMidRunLosesNothingAndCountsNothingTwice() async throws {
        defer { Self.killLeftovers() }
        let services = try IntegrationEnvironment.variable("SERVICES_STATE_DIR")
        let scenario = try await Self.scenario("pgdown")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let port = try freeLoopbackPort()
        let process = try await Self.startAndAwaitProgress(
            try Self.processArguments(
                postgres: database, prefix: prefix, group: prefix + "group",
                extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500", "--exit-when-idle", "10", "--metrics-port", String(port)]),
            log: log + ".process.log", database: database)
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "PostgreSQL goes down mid-run")
        try await Self.throughPostgresOutage(port: port, process: process) {
            try await Self.run(["/bin/bash", "-c", "Scripts/services.sh pg-stop \(services)"], shell: true, log: log + ".services.log")
        } end: {
            try await Self.run(["/bin/bash", "-c", "Scripts/services.sh pg-start \(services)"], shell: true, log: log + ".services.log")
        }
        // Before it exits (10 s idle): the metrics count every input record once, lag is zero.
        let inputTopics = ["pos.table-service", "survey.guest-feedback", "hr.staff-events"].map { "topic=\"\(prefix)\($0)\"" }
        var metrics = ""
        try await eventually("/metrics counts every input record once and no lag is left", timeout: .seconds(180)) {
            metrics = await Self.get(port: port, "/metrics")?.body ?? ""
            let counted = inputTopics.reduce(0.0) { total, topic in
                total + ["processed", "dead_lettered", "duplicate"].reduce(0.0) {
                    $0 + Self.sum("skillstream_events_total", in: metrics, where: [topic, "outcome=\"\($1)\""])
                }
            }
            return Int(counted) == reference.inputs && Self.sum("skillstream_consumer_lag_messages", in: metrics) == 0
        }
        #expect(Self.sum("skillstream_checkpoint_failures_total", in: metrics) > 0, "the refused checkpoints are counted")
        #expect(metrics.contains("skillstream_consumer_lag_messages{topic=\"\(prefix)pos.table-service\",partition=\"0\"}"), "lag per topic and partition")
        #expect(Self.sum("skillstream_event_to_output_latency_seconds_count", in: metrics) > 0)
        #expect(Self.sum("skillstream_model_examples", in: metrics) > 0, "model quality is reported")
        try await eventually("the processor finishes", timeout: .seconds(180)) { !process.isRunning }
        let output = (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output.suffix(2_000))")
        #expect(output.contains("consumption paused") && output.contains("consumption resumed"), "the outage and the recovery are logged")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "PostgreSQL down for 20 s")
    }

    /// PostgreSQL stops answering for 20 s mid-run without closing anything (the whole cluster
    /// SIGSTOPped: sessions stay open and the host acknowledges TCP, as with a hung server or
    /// stuck storage). The processor gives its calls up after `--postgres-answer-timeout`,
    /// says PostgreSQL is unreachable, stays alive, and once PostgreSQL answers again ends
    /// with the tables of an uninterrupted run.
    @Test func postgresFrozenForTwentySecondsMidRunIsNoticedAndLosesNothing() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("pgfrozen")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let port = try freeLoopbackPort()
        let process = try await Self.startAndAwaitProgress(
            try Self.processArguments(
                postgres: database, prefix: prefix, group: prefix + "group",
                extra: [
                    "--checkpoint-interval-ms", "200", "--checkpoint-records", "500", "--exit-when-idle", "10", "--metrics-port", String(port),
                    "--postgres-answer-timeout", "3",
                ]),
            log: log + ".process.log", database: database)
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "PostgreSQL freezes mid-run")
        var frozen: [pid_t] = []
        defer { Self.thaw(frozen) }  // whatever happens: later tests need it
        try await Self.throughPostgresOutage(port: port, process: process) { frozen = try Self.freezePostgres() } end: { Self.thaw(frozen) }
        try await eventually("the processor finishes", timeout: .seconds(240)) { !process.isRunning }
        let output = (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output.suffix(2_000))")
        #expect(output.contains("PostgreSQL did not answer within 3.0 s"), "the silence is named in the log")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "PostgreSQL frozen for 20 s")
    }

    /// A 20 s PostgreSQL outage (`begin` to `end`) under a running processor: /readyz says
    /// PostgreSQL is unreachable, /healthz that it is alive, it keeps running, and it is ready
    /// again once PostgreSQL is back.
    static func throughPostgresOutage(
        port: Int, process: Process, begin: () async throws -> Void, end: () async throws -> Void
    ) async throws {
        #expect(await get(port: port, "/readyz")?.status == 200, "ready: partitions restored, PostgreSQL reachable")
        try await begin()
        try await eventually("/readyz says PostgreSQL is unreachable", timeout: .seconds(15)) {
            guard let readiness = await get(port: port, "/readyz") else { return false }
            return readiness.status == 503 && readiness.body.contains("PostgreSQL unreachable")
        }
        #expect(await get(port: port, "/healthz")?.status == 200, "alive while waiting for PostgreSQL")
        try await Task.sleep(for: .seconds(20))
        #expect(process.isRunning, "the processor waits for PostgreSQL instead of failing")
        try await end()
        try await eventually("ready again once PostgreSQL is back", timeout: .seconds(60)) { await get(port: port, "/readyz")?.status == 200 }
    }

    /// Freezes the test cluster (Scripts/services.sh started it) with SIGSTOP, the postmaster
    /// first so that it forks no backend once its children are listed; returns the processes,
    /// for ``thaw(_:)``.
    static func freezePostgres() throws -> [pid_t] {
        let services = try IntegrationEnvironment.variable("SERVICES_STATE_DIR")
        let postmaster = try #require(
            try String(contentsOfFile: services + "/pg/data/postmaster.pid", encoding: .utf8).split(separator: "\n").first.flatMap { pid_t($0) })
        kill(postmaster, SIGSTOP)
        let children = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(pid_t.init).filter { pid in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").contains { $0.hasPrefix("PPid:") && $0.split(separator: "\t").last.flatMap { pid_t($0) } == postmaster }
        }
        for child in children { kill(child, SIGSTOP) }
        return [postmaster] + children
    }

    /// Lets frozen processes run again (the children first); harmless on running ones.
    static func thaw(_ processes: [pid_t]) {
        for pid in processes.reversed() { kill(pid, SIGCONT) }
    }

    /// A replica joins while PostgreSQL is down: the first, its checkpoints refused, takes the
    /// rebalance as it comes (what it had not saved of the partitions it gives up is dropped, and
    /// their next owner resumes from their last checkpoint), the newcomer waits to claim its
    /// partitions, and once PostgreSQL is back both go on to the tables of an uninterrupted run.
    @Test func aReplicaJoiningWhilePostgresIsDownLosesNothingAndCountsNothingTwice() async throws {
        defer { Self.killLeftovers() }
        let services = try IntegrationEnvironment.variable("SERVICES_STATE_DIR")
        let scenario = try await Self.scenario("pgdownjoin")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let arguments = try Self.processArguments(
            postgres: database, prefix: prefix, group: prefix + "group",
            extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500", "--exit-when-idle", "10"])
        let first = try await Self.startAndAwaitProgress(arguments, log: log + ".first.log", database: database)
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "PostgreSQL goes down mid-run")
        func firstLog() -> String { (try? String(contentsOfFile: log + ".first.log", encoding: .utf8)) ?? "" }
        try await Self.run(["/bin/bash", "-c", "Scripts/services.sh pg-stop \(services)"], shell: true, log: log + ".services.log")
        try await eventually("the first replica pauses", timeout: .seconds(30)) { firstLog().contains("consumption paused") }
        let second = try Self.start(arguments, log: log + ".second.log")
        try await eventually("the first replica gives partitions up while PostgreSQL is down", timeout: .seconds(90)) {
            firstLog().contains("Partitions released without a checkpoint")
        }
        try await Task.sleep(for: .seconds(5))
        try await Self.run(["/bin/bash", "-c", "Scripts/services.sh pg-start \(services)"], shell: true, log: log + ".services.log")
        try await eventually("both replicas finish", timeout: .seconds(300)) { !first.isRunning && !second.isRunning }
        let secondLog = (try? String(contentsOfFile: log + ".second.log", encoding: .utf8)) ?? ""
        #expect(first.terminationStatus == 0, "\(firstLog().suffix(2_000))")
        #expect(second.terminationStatus == 0, "\(secondLog.suffix(2_000))")
        #expect(secondLog.contains("Partitions assigned and restored"), "the newcomer claimed its partitions once PostgreSQL was back")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "a replica joined while PostgreSQL was down")
    }

    /// The connection drops after PostgreSQL committed a checkpoint but before the processor
    /// heard so (Scripts/pg_commit_cutter.py, three times): writing it again could apply it twice,
    /// so its partitions start over from what PostgreSQL holds, and the tables end as an
    /// uninterrupted run's.
    @Test func aCheckpointWhoseCommitGoesUnansweredIsNeitherLostNorAppliedTwice() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("commitcut")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        var proxied = try #require(URLComponents(string: database))
        let (host, port) = (try #require(proxied.host), try #require(proxied.port))
        proxied.port = try freeLoopbackPort()
        _ = try Self.start(
            command: ["/usr/bin/env", "python3", "Scripts/pg_commit_cutter.py", String(proxied.port!), host, String(port), "3", "3", "UPDATE engine_checkpoints SET"],
            log: log + ".proxy.log")
        let arguments = try Self.processArguments(
            postgres: try #require(proxied.string), prefix: prefix, group: prefix + "group",
            extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500", "--exit-when-idle", "10"])
        let process = try Self.start(arguments, log: log + ".process.log")
        try await eventually("the processor finishes", timeout: .seconds(300)) { !process.isRunning }
        let output = (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? ""
        let proxyOutput = (try? String(contentsOfFile: log + ".proxy.log", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output.suffix(2_000))")
        #expect(proxyOutput.components(separatedBy: "cut after COMMIT").count - 1 == 3, "three commits went unanswered: \(proxyOutput)")
        #expect(output.contains("start over from what PostgreSQL holds"))
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "three commits unanswered")
    }

    /// Once the input is consumed, every partition is snapshotted within a few snapshot
    /// intervals, though nothing changes any more: no restore then depends on input records that
    /// the topic's retention may delete (a processing log replays them).
    @Test func aPartitionGoneQuietIsSnapshottedSoItsRestoreNeedsNoOldInput() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("quiet")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let process = try Self.start(
            try Self.processArguments(
                postgres: database, prefix: prefix, group: prefix + "group", extra: ["--snapshot-interval-ms", "2000", "--exit-when-idle", "60"]),
            log: log + ".process.log")
        try await eventually("every input record checkpointed", timeout: .seconds(180)) { try Self.checkpointedOffsets(database) == reference.inputs }
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        func logged() throws -> Int { try connection.query("SELECT count(*)::int AS n FROM engine_order_log")[0].decode(Int.self, column: "n") }
        try await eventually("the quiet partitions are snapshotted while the processor still runs", timeout: .seconds(30)) { try logged() == 0 }
        #expect(process.isRunning, "snapshotted before the shutdown's own")
        process.terminate()
        try await eventually("the processor stops", timeout: .seconds(30)) { !process.isRunning }
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "quiet partitions snapshotted")
    }

    /// SIGTERM while PostgreSQL is down: the processor cannot checkpoint, so it stops at once,
    /// exits 0, and leaves Kafka's committed offsets no further than what PostgreSQL holds (what
    /// the next owner, kcat or a lag tool read there must not skip unsaved records).
    @Test func sigtermWhilePostgresIsDownStopsPromptlyAndCommitsNothingAheadOfIt() async throws {
        defer { Self.killLeftovers() }
        let services = try IntegrationEnvironment.variable("SERVICES_STATE_DIR")
        let scenario = try await Self.scenario("termpgdown")
        let (log, prefix, database) = (scenario.log, scenario.prefix, scenario.database)
        let group = prefix + "group"
        let process = try await Self.startAndAwaitProgress(
            try Self.processArguments(postgres: database, prefix: prefix, group: group, extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500"]),
            log: log + ".process.log", database: database)
        func processLog() -> String { (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? "" }
        try await Self.run(["/bin/bash", "-c", "Scripts/services.sh pg-stop \(services)"], shell: true, log: log + ".services.log")
        try await eventually("consumption pauses", timeout: .seconds(30)) { processLog().contains("consumption paused") }
        let signalled = ContinuousClock.now
        process.terminate()
        try await eventually("the processor exits after SIGTERM", timeout: .seconds(30)) { !process.isRunning }
        let took = ContinuousClock.now - signalled
        try await Self.run(["/bin/bash", "-c", "Scripts/services.sh pg-start \(services)"], shell: true, log: log + ".services.log")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(processLog().suffix(2_000))")
        #expect(took < .seconds(10), "stopped within 10 s of SIGTERM (took \(took))")
        let checkpointed = try Self.checkpointedOffsetsByPartition(database)
        let reader = try KafkaConsumer(configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: group, logger: IntegrationEnvironment.logger)
        let committed = try await reader.committedOffsets(for: Array(checkpointed.keys))
        #expect(committed.values.contains { $0 != nil }, "offsets were committed before PostgreSQL went down")
        for (partition, offset) in committed {
            if let offset { #expect(offset <= checkpointed[partition]!, "\(partition): Kafka \(offset), PostgreSQL \(checkpointed[partition]!)") }
        }
    }

    /// SIGTERM while PostgreSQL answers nothing (the cluster SIGSTOPped, its sessions open): the
    /// checkpoint under way would wait out the answer timeout (60 s by default, longer than a
    /// Kubernetes grace period); 6 s after the signal it is interrupted and abandoned, and the
    /// processor leaves the group and exits 0 within 10 s. Kafka's committed offsets stay no
    /// further than PostgreSQL's, and the next run ends with the tables of an uninterrupted one.
    @Test func sigtermWhilePostgresIsFrozenStopsWithinTenSecondsAndLosesNothing() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("termpgfrozen")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let group = prefix + "group"
        let arguments = try Self.processArguments(
            postgres: database, prefix: prefix, group: group, extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "500"])
        let process = try await Self.startAndAwaitProgress(arguments, log: log + ".process.log", database: database)
        func processLog() -> String { (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? "" }
        var frozen: [pid_t] = []
        defer { Self.thaw(frozen) }  // whatever happens: later tests need it
        frozen = try Self.freezePostgres()
        // Long enough for a checkpoint to be waiting on the frozen server.
        try await Task.sleep(for: .seconds(3))
        let signalled = ContinuousClock.now
        process.terminate()
        try await eventually("the processor exits after SIGTERM", timeout: .seconds(90)) { !process.isRunning }
        let took = ContinuousClock.now - signalled
        Self.thaw(frozen)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(processLog().suffix(2_000))")
        #expect(took < .seconds(10), "stopped within 10 s of SIGTERM although PostgreSQL answers nothing (took \(took))")
        #expect(processLog().contains("the last checkpoint has not ended within 6.0 seconds of the stop"), "the abandoned checkpoint is named in the log")
        #expect(processLog().contains("abandoned at the stop's deadline for PostgreSQL"), "a checkpoint was waiting on PostgreSQL, not skipped")
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "stopped mid-run")
        let checkpointed = try Self.checkpointedOffsetsByPartition(database)
        let reader = try KafkaConsumer(configuration: try IntegrationEnvironment.kafkaConfiguration(), groupID: group, logger: IntegrationEnvironment.logger)
        for (partition, offset) in try await reader.committedOffsets(for: Array(checkpointed.keys)) {
            if let offset { #expect(offset <= checkpointed[partition]!, "\(partition): Kafka \(offset), PostgreSQL \(checkpointed[partition]!)") }
        }
        try await Self.run(arguments + ["--exit-when-idle", "5"], log: log + ".process.log")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "stopped while PostgreSQL was frozen")
    }

    @Test func sigtermCheckpointsLeavesTheGroupAndExitsCleanly() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("term")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let arguments = try Self.processArguments(
            postgres: database, prefix: prefix, group: prefix + "group", extra: ["--checkpoint-interval-ms", "200", "--checkpoint-records", "300"])
        let process = try await Self.startAndAwaitProgress(arguments, log: log + ".process.log", database: database)
        let clock = ContinuousClock()
        let signalled = clock.now
        process.terminate()  // SIGTERM
        try await eventually("the processor exits after SIGTERM", timeout: .seconds(30)) { !process.isRunning }
        let took = clock.now - signalled
        let output = (try? String(contentsOfFile: log + ".process.log", encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(output.suffix(2_000))")
        #expect(took < .seconds(10), "stopped within 10 s of SIGTERM (took \(took))")
        #expect(output.contains("Processor stopping") && output.contains("Processor stopped"))
        let stoppedAt = try Self.checkpointedOffsets(database)
        #expect(stoppedAt < reference.inputs, "stopped mid-run")
        // The last checkpoint holds everything processed: a successor goes on from there and ends right.
        try await Self.run(arguments + ["--exit-when-idle", "3"], log: log + ".process.log")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "stopped by SIGTERM and restarted")
    }

    /// Alerts, recommendations and profiles are not keyed by consumer group: a second group on
    /// the same database would write over the first's. The first group to claim a partition
    /// owns the database; another group's processor stops with a message saying what to do,
    /// and the owner goes on.
    @Test func aSecondConsumerGroupIsRefusedTheDatabaseOfTheFirst() async throws {
        defer { Self.killLeftovers() }
        let log = IntegrationEnvironment.fileStem("processor-owner")
        let prefix = "t" + UUID().uuidString.prefix(6).lowercased() + "owner."
        try await Self.run(
            ["topics", "create", "--brokers", try IntegrationEnvironment.brokers(), "--topic-prefix", prefix, "--partitions", "2"], log: log + ".topics.log")
        let database = try await Self.migratedDatabase(log: log + ".migrate.log")
        let idle = ["--exit-when-idle", "2"]
        try await Self.run(try Self.processArguments(postgres: database, prefix: prefix, group: prefix + "first", extra: idle), log: log + ".first.log")
        let second = try Self.start(try Self.processArguments(postgres: database, prefix: prefix, group: prefix + "second", extra: idle), log: log + ".second.log")
        try await eventually("the second group's processor stops", timeout: .seconds(60)) { !second.isRunning }
        let output = (try? String(contentsOfFile: log + ".second.log", encoding: .utf8)) ?? ""
        #expect(second.terminationStatus != 0, "refused: \(output.suffix(2_000))")
        #expect(
            output.contains("this database holds the results of consumer group") && output.contains(prefix + "first")
                && output.contains("fresh, migrated database"), "\(output.suffix(2_000))")
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        let groups = try connection.query("SELECT DISTINCT consumer_group FROM engine_checkpoints").map { try $0.decode(String.self, column: "consumer_group") }
        #expect(groups == [prefix + "first"], "the second group wrote nothing")
        // A database that held another group's checkpoints before its owner was recorded (an
        // upgrade) goes to the group that claims it with checkpoints of its own.
        _ = try connection.query("DELETE FROM database_owner")
        _ = try connection.query("INSERT INTO engine_checkpoints (consumer_group, partition) VALUES ('a-stale-group', 0)")
        try await Self.run(try Self.processArguments(postgres: database, prefix: prefix, group: prefix + "first", extra: idle), log: log + ".first.log")
        let owner = try connection.query("SELECT consumer_group FROM database_owner").map { try $0.decode(String.self, column: "consumer_group") }
        #expect(owner == [prefix + "first"])
        // A database nobody migrated: the processor says so and stops, rather than retry forever.
        let bare = try IntegrationEnvironment.createDatabase()
        let unmigrated = try Self.start(try Self.processArguments(postgres: bare, prefix: prefix, group: prefix + "bare", extra: idle), log: log + ".bare.log")
        try await eventually("the processor on an unmigrated database stops", timeout: .seconds(60)) { !unmigrated.isRunning }
        let said = (try? String(contentsOfFile: log + ".bare.log", encoding: .utf8)) ?? ""
        #expect(unmigrated.terminationStatus != 0 && said.contains("skillstream migrate"), "\(said.suffix(2_000))")
    }

    @Test func aSecondReplicaJoiningThenLeavingMidRunLosesNothingAndCountsNothingTwice() async throws {
        defer { Self.killLeftovers() }
        let scenario = try await Self.scenario("joinleave")
        let (log, prefix, database, reference) = (scenario.log, scenario.prefix, scenario.database, scenario.reference)
        let arguments = try Self.processArguments(
            postgres: database, prefix: prefix, group: prefix + "group", extra: ["--checkpoint-interval-ms", "100", "--checkpoint-records", "200"])
        let first = try await Self.startAndAwaitProgress(arguments + ["--exit-when-idle", "5"], log: log + ".first.log", database: database)
        // A second replica joins (the group rebalances and it takes partitions over), works a
        // little, then leaves with SIGTERM (the group rebalances again) while input remains.
        let second = try Self.start(arguments, log: log + ".second.log")
        try await eventually("the second replica owns partitions", timeout: .seconds(90)) {
            ((try? String(contentsOfFile: log + ".second.log", encoding: .utf8)) ?? "").contains("Partitions assigned and restored")
        }
        let progress = try Self.checkpointedOffsets(database)
        try await eventually("the second replica checkpoints", timeout: .seconds(60)) { try Self.checkpointedOffsets(database) > progress }
        second.terminate()
        try await eventually("the second replica leaves", timeout: .seconds(30)) { !second.isRunning }
        #expect(second.terminationStatus == 0)
        #expect(try Self.checkpointedOffsets(database) < reference.inputs, "it left with input remaining")
        try await eventually("the first replica finishes", timeout: .seconds(240)) { !first.isRunning }
        let output = (try? String(contentsOfFile: log + ".first.log", encoding: .utf8)) ?? ""
        #expect(first.terminationStatus == 0, "\(output.suffix(2_000))")
        #expect(output.components(separatedBy: "Partitions assigned and restored").count - 1 >= 3, "the first replica was assigned three times")
        Self.expectTables(try Self.tables(database, prefix: prefix), equal: reference.tables, "a replica joined and left")
    }
}
