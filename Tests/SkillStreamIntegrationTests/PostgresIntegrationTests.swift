import Foundation
import Glibc
import SkillStreamPostgres
import Synchronization
import Testing

/// The PostgreSQL module against a real server (a throwaway cluster started by `make test`).
@Suite(.serialized) struct PostgresIntegrationTests {
    @Test func typedValuesRoundTripAsBoundParameters() throws {
        let connection = try IntegrationEnvironment.connection()
        try connection.query(
            "CREATE TEMP TABLE staff (id text PRIMARY KEY, tables int, score double precision, active boolean, photo bytea, note text)")
        let injection = "x'); DROP TABLE staff; --"
        try connection.query(
            "INSERT INTO staff VALUES ($1, $2, $3, $4, $5, $6)", ["ana-01", 42, 4.75, true, [0, 1, 254, 255] as [UInt8], injection])
        try connection.query("INSERT INTO staff VALUES ($1, $2, $3, $4, $5, $6)", ["luis-02", 0, -0.5, false, PostgresValue.null, nil as String?])
        let rows = try connection.query("SELECT * FROM staff ORDER BY id")
        #expect(rows.count == 2)
        #expect(try rows[0].decode(String.self, column: "id") == "ana-01")
        #expect(try rows[0].decode(Int.self, column: "tables") == 42)
        #expect(try rows[0].decode(Double.self, column: "score") == 4.75)
        #expect(try rows[0].decode(Bool.self, column: "active") == true)
        #expect(try rows[0].decode([UInt8].self, column: "photo") == [0, 1, 254, 255])
        #expect(try rows[0].decode(String.self, column: "note") == injection)
        #expect(try rows[1].decode([UInt8]?.self, column: "photo") == nil)
        #expect(throws: PostgresError.self) { try rows[1].decode(String.self, column: "note") }
    }

    @Test func preparedStatementsRunRepeatedly() throws {
        let connection = try IntegrationEnvironment.connection()
        let square = try connection.prepare("SELECT $1::int * $1::int AS square", name: "square")
        for value in [3, 12] {
            #expect(try connection.execute(square, [value])[0].decode(Int.self, column: "square") == value * value)
        }
    }

    @Test func transactionCommitsOnReturnAndRollsBackOnThrow() throws {
        struct Abort: Error {}
        let connection = try IntegrationEnvironment.connection()
        try connection.query("CREATE TEMP TABLE visits (id int PRIMARY KEY)")
        try connection.withTransaction { _ = try $0.query("INSERT INTO visits VALUES (1)") }
        #expect(throws: Abort.self) {
            try connection.withTransaction { connection in
                _ = try connection.query("INSERT INTO visits VALUES (2)")
                throw Abort()
            }
        }
        #expect(try connection.query("SELECT id FROM visits").map { try $0.decode(Int.self, column: "id") } == [1])
    }

    @Test func bulkCopyWritesOneHundredThousandRows() throws {
        let connection = try IntegrationEnvironment.connection()
        try connection.query("CREATE TEMP TABLE events (id bigint, staff text, comment text, raw bytea)")
        let rows = (0..<100_000).lazy.map { index -> [PostgresValue] in
            [index.postgresValue, "staff-\(index % 40)".postgresValue, index % 1000 == 0 ? .null : .text("línea\t\(index)\n\\"), .bytes([UInt8(index % 256)])]
        }
        let written = try connection.copy(into: "events", columns: ["id", "staff", "comment", "raw"], rows: rows)
        #expect(written == 100_000)
        let summary = try connection.query(
            "SELECT count(*) AS n, count(DISTINCT id) AS ids, count(comment) AS comments, sum(id) AS total FROM events")[0]
        #expect(try summary.decode(Int.self, column: "n") == 100_000)
        #expect(try summary.decode(Int.self, column: "ids") == 100_000)
        #expect(try summary.decode(Int.self, column: "comments") == 99_900)
        #expect(try summary.decode(Int.self, column: "total") == (0..<100_000).reduce(0, +))
        let sample = try connection.query("SELECT comment, raw FROM events WHERE id = 1234")[0]
        #expect(try sample.decode(String.self, column: "comment") == "línea\t1234\n\\")
        #expect(try sample.decode([UInt8].self, column: "raw") == [UInt8(1234 % 256)])
    }

    @Test func uniqueViolationSurfacesSQLState23505AsNotRetriable() throws {
        let connection = try IntegrationEnvironment.connection()
        try connection.query("CREATE TEMP TABLE alerts (alert_id text PRIMARY KEY)")
        try connection.query("INSERT INTO alerts VALUES ($1)", ["a-1"])
        let error = try #require(throws: PostgresError.self) { try connection.query("INSERT INTO alerts VALUES ($1)", ["a-1"]) }
        #expect(error.code == .server)
        #expect(error.sqlState == "23505")
        #expect(error.isUniqueViolation && !error.isRetriable)
        // The session is still usable after a statement error.
        #expect(try connection.query("SELECT count(*) AS n FROM alerts")[0].decode(Int.self, column: "n") == 1)
    }

    @Test func terminatedBackendIsReportedAsRetriableAndReestablished() throws {
        let connection = try IntegrationEnvironment.connection()
        let prepared = try connection.prepare("SELECT $1::int + 1 AS next", name: "next")
        let before = connection.backendPID
        let killer = try IntegrationEnvironment.connection()
        #expect(try killer.query("SELECT pg_terminate_backend($1) AS done", [before])[0].decode(Bool.self, column: "done"))
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(error.code == .connectionLost)
        #expect(error.isRetriable)
        // The next call reconnects, with the prepared statement prepared again.
        #expect(try connection.execute(prepared, [41])[0].decode(Int.self, column: "next") == 42)
        #expect(connection.backendPID != before)
    }

    /// An interrupted session fails every later call as a lost connection, where one merely
    /// broken reconnects (above): nothing a stopping process interrupted runs again on a server
    /// that may not answer.
    @Test func anInterruptedSessionFailsEveryLaterCall() throws {
        let connection = try IntegrationEnvironment.connection()
        let killer = try IntegrationEnvironment.connection()
        #expect(try killer.query("SELECT pg_terminate_backend($1) AS done", [connection.backendPID])[0].decode(Bool.self, column: "done"))
        #expect(connection.interrupt(), "a socket was shut down")
        for _ in 0..<2 {
            let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1") }
            #expect(error.code == .connectionLost)
        }
        #expect(try killer.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1, "the server itself answers")
    }

    /// A session whose server process stops answering (SIGSTOP: its host still acknowledges
    /// TCP, so libpq's keepalives and TCP timeouts see nothing wrong) fails the call after the
    /// answer timeout as a lost, retriable connection; once the server answers again, the next
    /// call reconnects.
    @Test func aServerThatStopsAnsweringFailsTheCallAfterTheAnswerTimeoutAndTheNextCallReconnects() async throws {
        let connection = try Self.connection(answerTimeout: .seconds(2))
        let backend = connection.backendPID
        kill(backend, SIGSTOP)
        defer { kill(backend, SIGCONT) }
        let error = try await Self.failure { try connection.query("SELECT 1") }
        #expect(error.code == .connectionLost && error.isRetriable)
        #expect(error.debugDescription.contains("did not answer within 2"))
        kill(backend, SIGCONT)
        #expect(try connection.query("SELECT 41 + 1 AS answer")[0].decode(Int.self, column: "answer") == 42)
        #expect(connection.backendPID != backend)
    }

    /// A statement given up after the answer timeout does not run on in the server: the
    /// session asks PostgreSQL to check every 5 s that its client is still there, so the
    /// backend ends well before the statement would have.
    @Test func aStatementGivenUpIsStoppedByTheServerToo() async throws {
        let connection = try Self.connection(answerTimeout: .seconds(1))
        #expect(try connection.query("SHOW client_connection_check_interval")[0].decode(String.self, column: "client_connection_check_interval") == "5s")
        let backend = connection.backendPID
        let error = try await Self.failure { try connection.query("SELECT pg_sleep(120)") }
        #expect(error.code == .connectionLost)
        let observer = try IntegrationEnvironment.connection()
        try await eventually("the backend of the statement given up ends", timeout: .seconds(60)) {
            try observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [backend])[0].decode(Int.self, column: "n") == 0
        }
    }

    /// A COMMIT the server never answers may have committed or not: it is reported as such,
    /// never as a failure to retry.
    @Test func aCommitTheServerNeverAnswersHasAnUnknownOutcome() async throws {
        let connection = try PostgresConnection(
            connectionString: try IntegrationEnvironment.createDatabase(), answerTimeout: .seconds(2), logger: IntegrationEnvironment.logger)
        try connection.query("CREATE TABLE answered (id int)")
        let backend = connection.backendPID
        defer { kill(backend, SIGCONT) }
        let error = try await Self.failure {
            try connection.withTransaction { transaction in
                try transaction.query("INSERT INTO answered VALUES (1)")
                kill(backend, SIGSTOP)
            }
        }
        #expect(error.code == .transactionOutcomeUnknown && !error.isRetriable)
    }

    /// A COPY whose server stops taking rows half way fails after the answer timeout too, and
    /// the rows wait for the server meanwhile: libpq is not left to buffer the whole COPY.
    @Test func aCopyTheServerStopsTakingFailsAfterTheAnswerTimeoutWithoutBufferingTheRest() async throws {
        let connection = try Self.connection(answerTimeout: .seconds(2))
        try connection.query("CREATE TEMP TABLE copied (id int, note text)")
        let backend = connection.backendPID
        defer { kill(backend, SIGCONT) }
        let generated = Atomic<Int>(0)
        let error = try await Self.failure {
            let rows = (0..<1_000_000).lazy.map { index -> [PostgresValue] in
                if index == 1_000 { kill(backend, SIGSTOP) }
                generated.store(index + 1, ordering: .relaxed)
                return [.text(String(index)), .text(String(repeating: "x", count: 100))]
            }
            try connection.copy(into: "copied", columns: ["id", "note"], rows: rows)
        }
        #expect(error.code == .connectionLost)
        // A million rows are about 110 MB; the socket's buffers hold a few.
        #expect(generated.load(ordering: .relaxed) < 500_000, "rows read before the COPY failed: \(generated.load(ordering: .relaxed))")
    }

    /// Calls waiting on a server that answers nothing fail as soon as the pool is interrupted
    /// and closed (what a stopping processor does), long before their answer timeout: a query as
    /// a lost connection, a COMMIT as an unknown outcome; and the pool takes no new call.
    @Test func callsInProgressFailAtOnceWhenThePoolIsInterrupted() async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: try IntegrationEnvironment.createDatabase(), maximumConnections: 2, answerTimeout: .seconds(30)),
            logger: IntegrationEnvironment.logger)
        _ = try await client.withConnection { try $0.query("CREATE TABLE interrupted (id int)") }
        let backends = BackendList()
        defer { for backend in backends.all { kill(backend, SIGCONT) } }
        func waiting(_ body: @escaping @Sendable (PostgresConnection) throws -> Void) -> Task<PostgresError?, Never> {
            Task {
                do {
                    try await client.withConnection { connection in
                        backends.add(connection.backendPID)
                        try body(connection)
                    }
                    return nil
                } catch {
                    return error as? PostgresError
                }
            }
        }
        let query = waiting { connection in
            kill(connection.backendPID, SIGSTOP)
            try connection.query("SELECT 1")
        }
        let commit = waiting { connection in
            try connection.withTransaction { transaction in
                try transaction.query("INSERT INTO interrupted VALUES (1)")
                kill(connection.backendPID, SIGSTOP)
            }
        }
        try await eventually("both calls wait on a stopped backend", timeout: .seconds(10)) { backends.all.count == 2 }
        try await Task.sleep(for: .seconds(1))
        let clock = ContinuousClock()
        let interrupted = clock.now
        client.interruptAndClose()
        let (queryError, commitError) = (await query.value, await commit.value)
        #expect(clock.now - interrupted < .seconds(5), "failed at once, not at the answer timeout")
        #expect(queryError?.code == .connectionLost && queryError?.isRetriable == true)
        #expect(commitError?.code == .transactionOutcomeUnknown)
        for backend in backends.all { kill(backend, SIGCONT) }
        await #expect(throws: PostgresError.self) { try await client.withConnection { _ in 0 } }
    }

    static func connection(answerTimeout: Duration) throws -> PostgresConnection {
        try PostgresConnection(connectionString: try IntegrationEnvironment.postgresURL(), answerTimeout: answerTimeout, logger: IntegrationEnvironment.logger)
    }

    /// The PostgreSQL error `body` throws on a blocking thread; a call that neither throws nor
    /// returns within a minute fails the test instead of hanging it.
    static func failure(_ body: @escaping @Sendable () throws -> Void) async throws -> PostgresError {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        DispatchQueue.global().async {
            let result = Result { try body() }
            outcome.withLock { $0 = result }
        }
        try await eventually("the call ends although the server answers nothing", timeout: .seconds(60)) { outcome.withLock { $0 != nil } }
        return try #require(throws: PostgresError.self) { try outcome.withLock { $0 }!.get() }
    }

    @Test func unreachableServerIsAConnectionFailure() throws {
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(connectionString: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2", logger: IntegrationEnvironment.logger)
        }
        #expect(error.code == .connectionFailed && error.isRetriable)
    }

    @Test func poolServesMoreConcurrentCallersThanItHasConnections() async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: try IntegrationEnvironment.postgresURL(), maximumConnections: 3),
            logger: IntegrationEnvironment.logger)
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    try await client.withConnection { connection in
                        try connection.query("SELECT pg_sleep(0.02)")
                        return connection.backendPID
                    }
                }
            }
            return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
        }
        #expect(pids.count <= 3 && !pids.isEmpty)
        let sum = try await client.withTransaction { connection in
            try connection.query("SELECT 20 + 22 AS answer")[0].decode(Int.self, column: "answer")
        }
        #expect(sum == 42)
        client.close()
        await #expect(throws: PostgresError.self) { try await client.withConnection { _ in 0 } }
    }

    @Test func poolNeverHandsOnAnOpenTransaction() async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: try IntegrationEnvironment.postgresURL(), maximumConnections: 1),
            logger: IntegrationEnvironment.logger)
        let firstPID = try await client.withConnection { connection in
            try connection.query("BEGIN")
            try connection.query("CREATE TEMP TABLE forgotten (id int)")  // a write: the transaction has an id
            return connection.backendPID
        }
        let (pid, idle, tableGone) = try await client.withConnection { connection in
            let row = try connection.query(
                "SELECT pg_current_xact_id_if_assigned() IS NULL AS idle, to_regclass('pg_temp.forgotten') IS NULL AS gone")[0]
            return (connection.backendPID, try row.decode(Bool.self, column: "idle"), try row.decode(Bool.self, column: "gone"))
        }
        #expect(pid == firstPID, "the same session was reused")
        #expect(idle && tableGone, "the forgotten transaction was rolled back before reuse")
        client.close()
    }

    @Test func copyThroughQueryIsRefusedAndTheSessionStaysUsable() throws {
        let connection = try IntegrationEnvironment.connection()
        try connection.query("CREATE TEMP TABLE target (id int)")
        let error = try #require(throws: PostgresError.self) { try connection.query("COPY target FROM STDIN") }
        #expect(error.code == .invalidInput)
        #expect(try connection.query("SELECT count(*) AS n FROM target")[0].decode(Int.self, column: "n") == 0)
        // The other way, rows coming out: read to the end and dropped.
        let out = try #require(throws: PostgresError.self) { try connection.query("COPY (SELECT generate_series(1, 100000)) TO STDOUT") }
        #expect(out.code == .invalidInput)
        #expect(try connection.query("SELECT 41 + 1 AS answer")[0].decode(Int.self, column: "answer") == 42)
    }

    @Test func textWithANulCharacterIsRefusedNotTruncated() throws {
        let connection = try IntegrationEnvironment.connection()
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT $1::text AS t", ["tok\u{0}en"]) }
        #expect(error.code == .invalidInput)
    }

    /// Two runners at once (two sessions, as two processes would have): each migration is
    /// applied exactly once, and a rerun applies nothing.
    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        let url = try IntegrationEnvironment.createDatabase()
        let migrations = [
            PostgresMigration(version: 1, name: "staff", sql: "CREATE TABLE staff (id text PRIMARY KEY); SELECT pg_sleep(0.3);"),
            PostgresMigration(version: 2, name: "visits", sql: "CREATE TABLE visits (id text PRIMARY KEY, staff_id text REFERENCES staff);"),
        ]
        let migrator = try PostgresMigrator(migrations: migrations, logger: IntegrationEnvironment.logger)
        let applied = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await onBlockingThread {
                        try migrator.migrate(PostgresConnection(connectionString: url, logger: IntegrationEnvironment.logger)).count
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.sorted() == [0, 2])
        let connection = try PostgresConnection(connectionString: url, logger: IntegrationEnvironment.logger)
        #expect(try migrator.migrate(connection).isEmpty)
        #expect(try connection.query("SELECT count(*) AS n FROM skillstream_schema_migrations")[0].decode(Int.self, column: "n") == 2)

        let edited = try PostgresMigrator(
            migrations: [PostgresMigration(version: 1, name: "staff", sql: "CREATE TABLE staff (id bigint);"), migrations[1]],
            logger: IntegrationEnvironment.logger)
        #expect(throws: PostgresError.self) { try edited.migrate(connection) }
    }
}

/// Server processes a test stopped, to let them go on whatever happens.
private final class BackendList: Sendable {
    private let list = Mutex<[Int32]>([])
    func add(_ backend: Int32) { list.withLock { $0.append(backend) } }
    var all: [Int32] { list.withLock { $0 } }
}
