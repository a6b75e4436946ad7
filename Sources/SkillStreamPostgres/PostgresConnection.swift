import CLibPQ
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc

private func currentThreadID() -> UInt { UInt(pthread_self()) }
#else
import Darwin

private func currentThreadID() -> UInt { UInt(bitPattern: pthread_self()) }
#endif

/// One PostgreSQL session over libpq: parameterized queries, prepared statements, scoped
/// transactions and COPY. Owns exactly one `PGconn` and closes it once, in `deinit`.
///
/// libpq connections are not safe for concurrent use: a connection is confined to one owner
/// at a time (``PostgresClient`` hands each to one caller), and using it from two threads at
/// once stops the process with a precondition failure rather than corrupting the session.
/// Every call blocks; call it from a thread that may block (the pool runs its callers' work
/// off Swift's cooperative pool). A broken connection is reported as `connectionLost` and
/// re-established, with its prepared statements, on the next call outside a transaction.
///
/// A server that stops answering while its host still acknowledges TCP (a stopped or hung
/// process, storage that blocks) is noticed only by the ``answerTimeout``: libpq's own timeouts
/// see a healthy connection. The session runs in libpq's non-blocking mode so that every wait
/// for the server, sending as well as receiving, is bounded by it; opening a session (and
/// reopening a broken one) is bounded by libpq's `connect_timeout` instead (see
/// ``defaultOptions``).
public final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// How long a call waits in silence (nothing sent or received) before it gives the session
    /// up as `connectionLost`; nil: for ever.
    public let answerTimeout: Duration?
    private let notices: PostgresNoticeLogger
    /// The thread using the connection now (0: none); calls nest on that thread only.
    private let owner = Atomic<UInt>(0)
    private var preparedStatements: [String: String] = [:]
    private var transactionDepth = 0
    private let logger: Logger
    /// What ``interrupt()`` needs from another thread: a duplicate of the session's socket
    /// descriptor (-1: none) — libpq closes its own when the session breaks, and the number may
    /// then be given to another file; this one stays the session's socket until it is replaced —,
    /// whether the session is being reopened (libpq's blocking `PQreset`, which no socket of ours
    /// reaches), and whether it was interrupted (for good: it is not reopened after).
    private struct Interruption {
        var socket: Int32 = -1
        var reopening = false
        var interrupted = false
    }

    private let interruption = Mutex(Interruption())

    /// libpq options set unless the connection string, libpq's environment variables
    /// (`PGCONNECT_TIMEOUT`) or a service file (`service=`, `PGSERVICE`) set them: a server that
    /// stops answering fails a connection attempt after 10 s, unacknowledged data after 30 s,
    /// and an idle session after about a minute, as a stopped server does, instead of after the
    /// kernel's TCP retries (about 15 minutes), so callers retry and say so.
    public static let defaultOptions: KeyValuePairs<String, String> = [
        "connect_timeout": "10", "keepalives": "1", "keepalives_idle": "30", "keepalives_interval": "10", "keepalives_count": "3",
        "tcp_user_timeout": "30000",
    ]

    /// The ``defaultOptions`` that nothing else sets for this connection string.
    static func defaults(for connectionString: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [(String, String)] {
        var given = Set<String>()
        var parseError: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(connectionString, &parseError) {
            var option = options
            while let keyword = option.pointee.keyword {
                if option.pointee.val != nil { given.insert(String(cString: keyword)) }
                option += 1
            }
            PQconninfoFree(options)
        }
        if let parseError { PQfreemem(parseError) }  // libpq says what is wrong when it connects
        // A service file may set any option.
        if given.contains("service") || environment["PGSERVICE"] != nil { return [] }
        if environment["PGCONNECT_TIMEOUT"] != nil { given.insert("connect_timeout") }
        return defaultOptions.filter { !given.contains($0.key) }.map { ($0.key, $0.value) }
    }

    /// Opens a session from a libpq connection string: a URL (`postgresql://user@host:5432/db?sslmode=require`)
    /// or key/value pairs (`host=/tmp port=5432 dbname=app`); every libpq option is honoured,
    /// and so are libpq's environment variables and service files, over ``defaultOptions``.
    /// `answerTimeout`: see ``answerTimeout``; a statement that legitimately runs longer in
    /// silence (a migration building an index on a large table) needs a longer one.
    public init(connectionString: String, answerTimeout: Duration? = nil, logger: Logger) throws {
        let defaults = Self.defaults(for: connectionString)
        let keywords = defaults.map(\.0) + ["dbname"]
        let values = defaults.map(\.1) + [connectionString]
        // `dbname` expanded: the connection string's options, as PQconnectdb would read them.
        let opened = keywords.withCStrings { keywords in values.withCStrings { values in PQconnectdbParams(keywords, values, 1) } }
        guard let connection = opened else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        self.connection = connection
        self.answerTimeout = answerTimeout
        self.logger = logger
        self.notices = PostgresNoticeLogger(logger: logger)
        guard PQstatus(connection) == CONNECTION_OK else {
            // Every stored property is set, so deinit runs and closes the PGconn once.
            throw PostgresError(code: .connectionFailed, message: Self.lastMessage(connection))
        }
        PQsetnonblocking(connection, 1)
        keepInterruptible()
        PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result else { return }
            Unmanaged<PostgresNoticeLogger>.fromOpaque(context).takeUnretainedValue().log(result)
        }, Unmanaged.passUnretained(notices).toOpaque())
        configureSession()
    }

    deinit {
        PQfinish(connection)
        interruption.withLock { if $0.socket >= 0 { close($0.socket) } }
    }

    /// Keeps a duplicate of the session's socket for ``interrupt()`` (closing the one before),
    /// the session (re)opened. Returns false, the socket shut down, if it was interrupted
    /// meanwhile.
    @discardableResult
    private func keepInterruptible() -> Bool {
        let descriptor = PQsocket(connection)
        let duplicate = descriptor >= 0 ? fcntl(descriptor, F_DUPFD_CLOEXEC, 0) : -1
        return interruption.withLock { state in
            if state.socket >= 0 { close(state.socket) }
            state.socket = duplicate
            state.reopening = false
            if state.interrupted, duplicate >= 0 { _ = shutdown(duplicate, Int32(SHUT_RDWR)) }
            return !state.interrupted
        }
    }

    /// Makes the call under way on this session fail now, from any thread, instead of at the
    /// ``answerTimeout``: a lost connection, a COMMIT an unknown outcome. Its socket is shut
    /// down, which ends the call's wait. For a process that must stop while PostgreSQL does not
    /// answer. The session is then never reopened: every later call fails as a lost connection.
    /// Returns false when no socket could be shut down, as while the session is being reopened:
    /// libpq's blocking reconnection cannot be interrupted, and the call waits for
    /// `connect_timeout` (its caller may stop waiting for it).
    @discardableResult
    public func interrupt() -> Bool {
        interruption.withLock { state in
            state.interrupted = true
            if state.socket >= 0 { _ = shutdown(state.socket, Int32(SHUT_RDWR)) }
            return state.socket >= 0 && !state.reopening
        }
    }

    /// The server process serving this session (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(connection) }

    /// Whether the session is currently usable without reconnecting.
    public var isConnected: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Runs one statement with its values bound as parameters (`$1`, `$2`, …).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> PostgresRows {
        try exclusively {
            try ensureConnected()
            return try bind(parameters) { count, values, lengths, formats in
                try exchange { PQsendQueryParams(connection, sql, count, nil, values, lengths, formats, 0) }
            }
        }
    }

    /// Runs several statements without parameters in one round trip (for migrations and fixed DDL).
    public func execute(script sql: String) throws {
        try exclusively {
            try ensureConnected()
            _ = try self.rows(of: exchange { PQsendQuery(connection, sql) })
        }
    }

    /// Prepares a statement once per session; it is prepared again after a reconnect.
    public func prepare(_ sql: String, name: String) throws -> PostgresPreparedStatement {
        try exclusively {
            try ensureConnected()
            if preparedStatements[name] == sql { return PostgresPreparedStatement(name: name) }
            if preparedStatements[name] != nil {
                _ = try rows(of: exchange { PQsendQuery(connection, "DEALLOCATE \(Self.quoteIdentifier(name))") })
            }
            _ = try rows(of: exchange { PQsendPrepare(connection, name, sql, 0, nil) })
            preparedStatements[name] = sql
            return PostgresPreparedStatement(name: name)
        }
    }

    /// Runs a prepared statement with its parameters.
    @discardableResult
    public func execute(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable] = []) throws -> PostgresRows {
        try exclusively {
            try ensureConnected()
            guard preparedStatements[statement.name] != nil else {
                throw PostgresError(code: .invalidInput, message: "statement \(statement.name) was not prepared on this connection")
            }
            return try bind(parameters) { count, values, lengths, formats in
                try exchange { PQsendQueryPrepared(connection, statement.name, count, values, lengths, formats, 0) }
            }
        }
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws (and
    /// rethrows). Nested calls run in the enclosing transaction.
    public func withTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try exclusively {
            if transactionDepth > 0 { return try body(self) }
            try query("BEGIN")
            transactionDepth = 1
            defer { transactionDepth = 0 }
            let result: T
            do {
                result = try body(self)
            } catch {
                if isConnected {
                    do { try query("ROLLBACK") } catch { logger.warning("PostgreSQL rollback failed", metadata: ["db.error": "\(error)"]) }
                }
                throw error
            }
            do {
                try query("COMMIT")
            } catch let error as PostgresError where error.code == .connectionLost {
                // The server may or may not have committed: retrying could apply the work twice.
                throw PostgresError(code: .transactionOutcomeUnknown, sqlState: error.sqlState, message: error.message)
            }
            return result
        }
    }

    /// Writes rows into a table with `COPY … FROM STDIN`, the fastest bulk path; returns the row count.
    @discardableResult
    public func copy(into table: String, columns: [String], rows: some Sequence<[PostgresValue]>) throws -> Int {
        try exclusively {
            try ensureConnected()
            let columnList = columns.map(Self.quoteIdentifier).joined(separator: ", ")
            let start = try exchange { PQsendQuery(connection, "COPY \(Self.quoteQualifiedName(table)) (\(columnList)) FROM STDIN") }
            let startStatus = PQresultStatus(start)
            guard startStatus == PGRES_COPY_IN else {
                _ = try self.rows(of: start)  // throws the server's reason
                throw PostgresError(code: .server, message: "COPY did not start")
            }
            PQclear(start)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 17)
            var sendFailure: String?
            for row in rows {
                precondition(row.count == columns.count, "COPY row has \(row.count) values for \(columns.count) columns")
                PostgresCopyEncoding.appendRow(row, to: &buffer)
                if buffer.count >= 1 << 16, try !putCopyData(&buffer) {
                    sendFailure = Self.lastMessage(connection)
                    break
                }
            }
            if sendFailure == nil, !buffer.isEmpty, try !putCopyData(&buffer) { sendFailure = Self.lastMessage(connection) }
            try endCopy(failure: sendFailure)
            var affected = 0
            var firstError: PostgresError?
            while let result = try nextResult() {
                do { affected = try self.rows(of: result).affectedRows } catch { firstError = firstError ?? (error as? PostgresError) }
            }
            if let firstError { throw firstError }
            if let sendFailure { throw PostgresError(code: .connectionLost, message: sendFailure) }
            return affected
        }
    }

    /// Sends the buffer's COPY data, waiting while the server is slow to take it (libpq would
    /// otherwise buffer the whole COPY in memory); false when the session broke.
    private func putCopyData(_ buffer: inout [UInt8]) throws -> Bool {
        defer { buffer.removeAll(keepingCapacity: true) }
        let queued = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32(bytes.count)) }
        }
        return try queued == 1 && flush()
    }

    /// Ends COPY data, or fails the COPY with `failure`; the results follow (a broken session's
    /// included).
    private func endCopy(failure: String?) throws {
        if PQputCopyEnd(connection, failure) == 1 { _ = try flush() }
    }

    /// Sends everything libpq holds, within the answer timeout; false when the session broke.
    private func flush() throws -> Bool { try drive { true } }

    /// Sends what libpq holds and reads what the server sends, waiting within the answer
    /// timeout, until everything is sent and `done` holds; false when the session broke.
    private func drive(until done: () -> Bool) throws -> Bool {
        var silence = Silence(answerTimeout)
        while true {
            let unsent = PQflush(connection)  // 0: all sent, 1: more to send, -1: broken
            if unsent == -1 { return false }
            if unsent == 0 && done() { return true }
            try awaitSocket(writable: unsent == 1, &silence)
            guard try consumeInput() else { return false }
        }
    }

    // MARK: - Internals

    /// Runs `body` as the connection's only user; a call from inside (a statement in a
    /// transaction) nests on the same thread, a call from another thread is a programmer error.
    private func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        let me = currentThreadID()
        if owner.load(ordering: .acquiring) == me { return try body() }
        precondition(
            owner.compareExchange(expected: 0, desired: me, ordering: .acquiringAndReleasing).exchanged,
            "a PostgresConnection was used from two threads at once")
        defer { owner.store(0, ordering: .releasing) }
        return try body()
    }

    /// Brings the session back to idle for its next user: rolls back an open or failed
    /// transaction; false when the session is unusable and should be discarded.
    func resetToIdle() -> Bool {
        exclusively {
            guard PQstatus(connection) == CONNECTION_OK else { return true }  // reconnects on next use
            switch PQtransactionStatus(connection) {
            case PQTRANS_IDLE:
                return true
            case PQTRANS_INTRANS, PQTRANS_INERROR:
                transactionDepth = 0
                return (try? rows(of: exchange { PQsendQuery(connection, "ROLLBACK") })) != nil
            default:
                return false  // a command or COPY still in progress
            }
        }
    }

    /// Re-establishes a broken session (never inside a transaction, whose work is gone).
    private func ensureConnected() throws {
        guard PQstatus(connection) != CONNECTION_OK else { return }
        guard transactionDepth == 0 else {
            throw PostgresError(code: .connectionLost, message: "connection lost inside a transaction")
        }
        try interruption.withLock { state in
            guard !state.interrupted else { throw PostgresError(code: .connectionLost, message: "the session was interrupted") }
            state.reopening = true
        }
        logger.info("PostgreSQL connection lost; reconnecting")
        PQreset(connection)
        guard keepInterruptible() else { throw PostgresError(code: .connectionLost, message: "the session was interrupted while it was reopened") }
        guard PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError(code: .connectionFailed, message: Self.lastMessage(connection))
        }
        PQsetnonblocking(connection, 1)
        configureSession()
        for (name, sql) in preparedStatements.sorted(by: { $0.key < $1.key }) {
            do {
                _ = try rows(of: exchange { PQsendPrepare(connection, name, sql, 0, nil) })
            } catch {
                preparedStatements[name] = nil  // prepare() can try again
                throw error
            }
        }
    }

    /// Lays parameter values out in one buffer for libpq; text values NUL-terminated, bytes binary.
    private func bind(
        _ parameters: [any PostgresEncodable],
        _ call: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> OpaquePointer?
    ) throws -> PostgresRows {
        var storage: [UInt8] = [0]
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for parameter in parameters {
            switch parameter.postgresValue {
            case .null:
                offsets.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                guard !text.utf8.contains(0) else {
                    throw PostgresError(code: .invalidInput, message: "a text parameter contains a NUL character")
                }
                offsets.append(storage.count)
                storage.append(contentsOf: text.utf8)
                storage.append(0)
                lengths.append(0)
                formats.append(0)
            case .bytes(let bytes):
                offsets.append(storage.count)
                storage.append(contentsOf: bytes)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        let result = try storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let values: [UnsafePointer<CChar>?] = offsets.map { $0.map { base.advanced(by: $0).assumingMemoryBound(to: CChar.self) } }
            return try call(Int32(parameters.count), values, lengths, formats)
        }
        return try rows(of: result)
    }

    /// Sends one command with `send` (a `PQsend…` call) and waits for its results as `PQexec`
    /// does, keeping the last (and stopping at the start of a COPY), but bounded by the
    /// ``answerTimeout``. nil when it could not be sent: `rows(of:)` then reports libpq's reason.
    private func exchange(_ send: () -> Int32) throws -> OpaquePointer? {
        guard send() == 1 else { return nil }
        var last: OpaquePointer?
        do {
            while let result = try nextResult() {
                PQclear(last)
                last = result
                let status = PQresultStatus(result)
                if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH || PQstatus(connection) != CONNECTION_OK { break }
            }
        } catch {
            PQclear(last)
            throw error
        }
        return last
    }

    /// The next result of the command under way, once the command is sent and that result is
    /// in (or the session broke, which the result then says); nil when the command is done.
    private func nextResult() throws -> OpaquePointer? {
        _ = try drive { PQisBusy(connection) == 0 }
        return PQgetResult(connection)
    }

    /// The answer timeout's clock for one wait, started again whenever the server sends or takes
    /// something.
    private struct Silence {
        let timeout: Duration?
        var deadline: ContinuousClock.Instant?

        init(_ timeout: Duration?) {
            self.timeout = timeout
            deadline = timeout.map { .now + $0 }
        }

        mutating func heard() { deadline = timeout.map { .now + $0 } }
    }

    /// Waits for the socket to be readable (or, when `writable`, to take more), a second at
    /// most: TLS may hold bytes it has read already, which the socket no longer shows, so the
    /// caller has libpq read after every wait. Once the silence has lasted the answer timeout,
    /// the session is given up.
    private func awaitSocket(writable: Bool, _ silence: inout Silence) throws {
        let descriptor = PQsocket(connection)
        guard descriptor >= 0 else { return }  // no connection: libpq says so next
        var socket = pollfd(fd: descriptor, events: Int16(POLLIN) | (writable ? Int16(POLLOUT) : 0), revents: 0)
        let left = silence.deadline.map { Int64((($0 - .now) / .milliseconds(1)).rounded(.up)) } ?? 1_000
        let ready = poll(&socket, 1, Int32(max(0, min(1_000, left))))
        if ready > 0 {
            silence.heard()
        } else if ready == 0 || errno == EINTR, let deadline = silence.deadline, ContinuousClock.now >= deadline, let timeout = silence.timeout {
            throw giveUp("PostgreSQL did not answer within \(timeout / .seconds(1)) s")
        }
        // An error on the socket: libpq says which when it reads.
    }

    /// Has libpq read what the server sent; false when the session broke (the next result
    /// says why). A read that fails while libpq still takes the session for healthy gives it
    /// up: libpq would otherwise wait for a result without any limit.
    private func consumeInput() throws -> Bool {
        guard PQconsumeInput(connection) == 0 else { return true }
        guard PQstatus(connection) == CONNECTION_OK else { return false }
        throw giveUp("PostgreSQL session unreadable: \(Self.lastMessage(connection))")
    }

    /// Gives the session up: the socket is shut down, so libpq marks it broken (and nothing the
    /// server says late is taken for a later answer); the next call outside a transaction
    /// reconnects. The server stops what it was running for it at its next check of the client
    /// (`client_connection_check_interval`, set on every session with an answer timeout) or
    /// when it next writes to it. A COMMIT given up this way is reported by
    /// ``withTransaction(_:)`` as `transactionOutcomeUnknown`.
    private func giveUp(_ reason: String) -> PostgresError {
        shutdown(PQsocket(connection), Int32(SHUT_RDWR))
        _ = PQconsumeInput(connection)
        // Broken now, so each call returns at once; bounded all the same, since on a session libpq
        // still took for healthy a COPY would hand out results for ever.
        for _ in 0..<8 {
            guard let result = PQgetResult(connection) else { break }
            PQclear(result)
        }
        logger.warning("\(reason); the session was closed")
        return PostgresError(code: .connectionLost, message: reason + "; the session was closed")
    }

    /// What a session with an answer timeout needs: the server checks every 5 s, while it runs a
    /// statement, whether the client is still there (PostgreSQL 14 and later; older servers
    /// refuse the setting, and only wait until they next write to notice).
    private func configureSession() {
        guard answerTimeout != nil else { return }
        _ = try? rows(of: exchange { PQsendQuery(connection, "SET client_connection_check_interval = 5000") })
    }

    /// Leaves a COPY that `query()` was given, so the session stays usable: COPY FROM STDIN is
    /// failed, COPY TO STDOUT's rows are read and dropped.
    private func leaveCopy(_ status: ExecStatusType) throws {
        if status == PGRES_COPY_IN {
            try endCopy(failure: "COPY is only supported through copy(into:columns:rows:)")
        } else {
            var silence = Silence(answerTimeout)
            while true {
                var row: UnsafeMutablePointer<CChar>?
                let length = PQgetCopyData(connection, &row, 1)
                if let row { PQfreemem(row) }
                if length > 0 { continue }
                if length < 0 { break }  // -1: the COPY is over; -2: broken (the results say so)
                try awaitSocket(writable: false, &silence)
                guard try consumeInput() else { break }
            }
        }
        while let pending = try nextResult() { PQclear(pending) }
    }

    /// Copies a result's rows out and clears it, or turns it into an error.
    private func rows(of result: OpaquePointer?) throws -> PostgresRows {
        defer { PQclear(result) }
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            let result = result!
            let rowCount = Int(PQntuples(result))
            let columnCount = Int(PQnfields(result))
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            var values: [String?] = []
            values.reserveCapacity(rowCount * columnCount)
            for row in 0..<Int32(rowCount) {
                for column in 0..<Int32(columnCount) {
                    values.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
                }
            }
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return PostgresRows(columns: columns, values: values, affectedRows: affected)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            try leaveCopy(status)
            throw PostgresError(code: .invalidInput, message: "COPY is only supported through copy(into:columns:rows:)")
        default:
            throw error(from: result)
        }
    }

    private func error(from result: OpaquePointer?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? Self.lastMessage(connection)
        // Lost only when the session is broken; an error without SQLSTATE on a healthy session
        // is libpq refusing the command itself.
        let lost = PQstatus(connection) != CONNECTION_OK
        return PostgresError(
            code: lost ? .connectionLost : (sqlState == nil ? .invalidInput : .server),
            sqlState: sqlState, message: message, detail: field("D"), hint: field("H"))
    }

    private static func lastMessage(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Quotes an identifier for SQL text ("name", with embedded quotes doubled).
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes `schema.table` or `table`.
    static func quoteQualifiedName(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { quoteIdentifier(String($0)) }.joined(separator: ".")
    }
}

/// A statement prepared on a connection, run with ``PostgresConnection/execute(_:_:)``.
public struct PostgresPreparedStatement: Sendable, Hashable {
    public let name: String
}

/// Routes the server's NOTICE and WARNING messages to the logger instead of stderr.
final class PostgresNoticeLogger: Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func log(_ result: OpaquePointer) {
        let severity = PQresultErrorField(result, Int32(Character("V").asciiValue!)).map { String(cString: $0) } ?? "NOTICE"
        let message = PQresultErrorField(result, Int32(Character("M").asciiValue!)).map { String(cString: $0) } ?? ""
        logger.log(
            level: severity == "WARNING" ? .warning : .info, "PostgreSQL notice",
            metadata: ["db.severity": .string(severity), "db.message": .string(message)])
    }
}

extension Array where Element == String {
    /// The strings as a NULL-terminated array of C strings, alive for the duration of `body`.
    func withCStrings<T>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
