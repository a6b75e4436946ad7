import Dispatch
import Logging
import Synchronization

/// A small pool of ``PostgresConnection``s for concurrent callers.
///
/// Each caller gets a connection to itself for the duration of its closure, which runs on a
/// thread that may block (never Swift's cooperative pool). Sessions are opened lazily up to
/// ``PostgresConfiguration/maximumConnections``; further callers wait their turn in order.
/// A connection that broke is reconnected on its next use.
public final class PostgresClient: Sendable {
    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<PostgresConnection?, any Error>] = []
        var closed = false
        /// Connections handed to callers now, for ``interruptAndClose()``.
        var inUse: [ObjectIdentifier: PostgresConnection] = [:]
    }

    private enum Checkout {
        case reuse(PostgresConnection)
        case create
        case wait
    }

    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let state = Mutex(State())

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with a connection of its own; the connection goes back to the pool after.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let connection = try await checkOut()
        state.withLock { $0.inUse[ObjectIdentifier(connection)] = connection }
        // The reset runs on the same blocking thread, right after the caller's work.
        let (result, clean) = try await Self.runBlocking { (Result { try body(connection) }, connection.resetToIdle()) }
        state.withLock { $0.inUse[ObjectIdentifier(connection)] = nil }
        checkIn(connection, clean: clean)
        return try result.get()
    }

    /// Runs `body` in a transaction on a connection of its own: committed when it returns,
    /// rolled back when it throws.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.withTransaction(body) }
    }

    /// Makes every call in progress fail now (``PostgresConnection/interrupt()``) and closes the
    /// pool, so that later calls are refused: for a process that must stop while PostgreSQL does
    /// not answer. A call in progress that is opening or reopening its session still waits for
    /// libpq's `connect_timeout`.
    public func interruptAndClose() {
        close()
        for connection in state.withLock({ Array($0.inUse.values) }) { connection.interrupt() }
    }

    /// Closes idle connections and refuses new work; connections in use close when returned.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        _ = idle  // released here, closing each session
        for waiter in waiters { waiter.resume(throwing: PostgresError(code: .closed, message: "the pool is closed")) }
    }

    private func checkOut() async throws -> PostgresConnection {
        while true {
            let decision: Checkout = try state.withLock { state in
                if state.closed { throw PostgresError(code: .closed, message: "the pool is closed") }
                if let connection = state.idle.popLast() { return .reuse(connection) }
                if state.open < configuration.maximumConnections {
                    state.open += 1
                    return .create
                }
                return .wait
            }
            switch decision {
            case .reuse(let connection):
                return connection
            case .create:
                do {
                    let configuration = self.configuration
                    let logger = self.logger
                    return try await Self.runBlocking {
                        try PostgresConnection(connectionString: configuration.connectionString, answerTimeout: configuration.answerTimeout, logger: logger)
                    }
                } catch {
                    // Free the slot and let one waiter try to open a connection itself.
                    let waiter = state.withLock { state in
                        state.open -= 1
                        return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                    }
                    waiter?.resume(returning: nil)
                    throw error
                }
            case .wait:
                let handed = try await withCheckedThrowingContinuation { continuation in
                    let immediate: Checkout? = state.withLock { state in
                        if state.closed { return .wait }  // resumed with nil: the loop then throws `closed`
                        if let connection = state.idle.popLast() { return .reuse(connection) }
                        if state.open < configuration.maximumConnections { return .create }
                        state.waiters.append(continuation)
                        return nil
                    }
                    switch immediate {
                    case .reuse(let connection): continuation.resume(returning: connection)
                    case .create, .wait: continuation.resume(returning: nil)
                    case nil: break
                    }
                }
                if let handed { return handed }
            }
        }
    }

    /// Returns a connection; one that could not be reset to idle (`clean` false) is discarded,
    /// so the next caller never inherits an open or failed transaction.
    private func checkIn(_ connection: PostgresConnection, clean: Bool) {
        let waiter: CheckedContinuation<PostgresConnection?, any Error>? = state.withLock { state in
            if state.closed || !clean {
                state.open -= 1
                // A discarded connection frees a slot: let one waiter open a new one.
                return !state.closed && !state.waiters.isEmpty ? state.waiters.removeFirst() : nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(connection)
            return nil
        }
        waiter?.resume(returning: clean ? connection : nil)
    }

    /// Runs blocking libpq work on a dispatch thread, off the cooperative pool.
    static func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
