/// The one error type of the PostgreSQL module: what failed, the server's SQLSTATE when it
/// sent one, and whether trying again can help.
///
/// `description` is safe to log: it names the kind and SQLSTATE but not the server's message,
/// which can quote data; `debugDescription` adds the message, detail and hint.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The connection could not be opened (bad address, refused, authentication). Retriable,
        /// since a server may be starting; a wrong password fails the same way every time.
        case connectionFailed
        /// An open connection broke (server restart, `pg_terminate_backend`, network); the next
        /// use reconnects.
        case connectionLost
        /// The server rejected a statement; see ``PostgresError/sqlState``.
        case server
        /// The connection broke during COMMIT: the transaction may or may not have committed, so
        /// retrying blindly could apply it twice.
        case transactionOutcomeUnknown
        /// A value could not be decoded into the requested Swift type.
        case decoding
        /// The configuration or a migration file is invalid.
        case invalidInput
        /// The pool is closed, or was interrupted while the call was opening or reopening its
        /// session (``PostgresClient/interruptAndClose()``): what the call did before that (its
        /// statements outside a transaction) may have taken effect.
        case closed
    }

    public var code: Code
    /// The five-character SQLSTATE (e.g. `23505` for a unique violation), when the server sent one.
    public var sqlState: String?
    /// The server's or libpq's message; may quote data, so it is only in `debugDescription`.
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(code: Code, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// Whether the same work may succeed if tried again (on a new transaction): connection
    /// trouble, serialization failures, deadlocks, a server shutting down or out of resources.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .connectionLost: return true
        case .decoding, .invalidInput, .closed, .transactionOutcomeUnknown: return false
        case .server:
            guard let sqlState else { return false }
            return Self.retriableSQLStates.contains(sqlState) || Self.retriableSQLStateClasses.contains(String(sqlState.prefix(2)))
        }
    }

    /// SQLSTATE classes after which retrying can succeed: connection exceptions, insufficient
    /// resources, operator intervention (shutdown, termination).
    static let retriableSQLStateClasses: Set<String> = ["08", "53", "57"]
    /// Single SQLSTATEs after which retrying can succeed: serialization failure, deadlock.
    static let retriableSQLStates: Set<String> = ["40001", "40P01"]

    /// Whether the server reported a unique-constraint violation.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        "PostgresError.\(code.rawValue)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "") + (isRetriable ? ", retriable" : "")
    }

    public var debugDescription: String {
        var text = description + ": " + message
        if let detail { text += " DETAIL: \(detail)" }
        if let hint { text += " HINT: \(hint)" }
        return text
    }
}
