/// How to reach PostgreSQL and how many sessions to keep.
public struct PostgresConfiguration: Sendable, Hashable {
    /// A libpq connection string, URL or key/value form, passed through untouched so that
    /// `sslmode`, `sslrootcert`, `connect_timeout`, `options` and every other libpq option work.
    public var connectionString: String
    /// The most sessions the pool opens at once; callers beyond it wait for one to be returned.
    public var maximumConnections: Int
    /// Each session's ``PostgresConnection/answerTimeout``: how long a call waits for a server
    /// that says nothing before it gives the session up (nil: for ever).
    public var answerTimeout: Duration?

    public init(connectionString: String, maximumConnections: Int = 4, answerTimeout: Duration? = .seconds(60)) {
        precondition(maximumConnections > 0, "maximumConnections must be positive")
        self.connectionString = connectionString
        self.maximumConnections = maximumConnections
        self.answerTimeout = answerTimeout
    }
}
