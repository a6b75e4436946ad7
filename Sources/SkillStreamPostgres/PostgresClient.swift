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
        /// Set by ``interruptAndClose()``: no blocking call begins after it.
        var interrupted = false
        var nextCall = 0
        /// The blocking calls in progress (``runBlocking(on:_:)``): the connection each runs
        /// on (nil: one being opened), and what ends its caller's wait.
        var calls: [Int: (connection: PostgresConnection?, abandon: @Sendable () -> Void)] = [:]
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
        // The reset and the return to the pool run on the same blocking thread, right after the
        // caller's work: a caller that stopped waiting (``interruptAndClose()``) leaves them done.
        return try await runBlocking(on: connection) { [self] in
            let result = Result { try body(connection) }
            checkIn(connection, clean: connection.resetToIdle())
            return try result.get()
        }
    }

    /// Runs `body` in a transaction on a connection of its own: committed when it returns,
    /// rolled back when it throws.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.withTransaction(body) }
    }

    /// Makes every call in progress fail now (``PostgresConnection/interrupt()``) and closes the
    /// pool, so that later calls are refused: for a process that must stop while PostgreSQL does
    /// not answer. A call in progress that is opening or reopening its session still waits for
    /// libpq's `connect_timeout`: its caller stops waiting at once (``PostgresError/Code/closed``)
    /// and the call ends on its own. Returns how many calls were in progress.
    @discardableResult
    public func interruptAndClose() -> Int {
        close()
        let calls = state.withLock { state in
            state.interrupted = true
            // A connection's older entry is a call that has returned it to the pool and is about
            // to end (``withConnection(_:)`` checks in on the call's thread): only its newest is
            // in progress.
            var newest: [ObjectIdentifier: Int] = [:]
            for (id, call) in state.calls {
                guard let connection = call.connection else { continue }
                newest[ObjectIdentifier(connection)] = max(newest[ObjectIdentifier(connection)] ?? id, id)
            }
            return state.calls.filter { id, call in call.connection.map { newest[ObjectIdentifier($0)] == id } ?? true }.map(\.value)
        }
        for call in calls where !(call.connection?.interrupt() ?? false) { call.abandon() }
        return calls.count
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
                    return try await runBlocking(on: nil) {
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

    /// Runs blocking libpq `work` on a dispatch thread, off the cooperative pool, as a call in
    /// progress on `connection` (nil: opening one) for ``interruptAndClose()``, which may end the
    /// wait for it (``PostgresError/Code/closed``; `work` then goes on unawaited). After that,
    /// `work` does not begin at all.
    private func runBlocking<T: Sendable>(on connection: PostgresConnection?, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let answer = Mutex<CheckedContinuation<T, any Error>?>(continuation)
            let resume: @Sendable (Result<T, any Error>) -> Void = { result in answer.withLock { $0.take() }?.resume(with: result) }
            let abandon: @Sendable () -> Void = {
                resume(.failure(PostgresError(code: .closed, message: "the pool was interrupted while this call waited on PostgreSQL")))
            }
            let call: Int? = state.withLock { state in
                guard !state.interrupted else { return nil }
                state.nextCall += 1
                state.calls[state.nextCall] = (connection, abandon)
                return state.nextCall
            }
            // Refused: the connection checked out for it is dropped (the pool is closed; its count no longer matters).
            guard let call else { return abandon() }
            DispatchQueue.global().async { [self] in
                let result = Result { try work() }
                state.withLock { _ = $0.calls.removeValue(forKey: call) }
                resume(result)
            }
        }
    }
}
