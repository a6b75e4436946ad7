import Synchronization

/// What `/readyz` and `/healthz` report about a running processor: whether it owns partitions
/// with their state restored, whether PostgreSQL answered its last request, and whether the
/// loop is still turning. Written by the processor's task, read by the HTTP server's.
public final class ProcessorHealth: Sendable {
    /// A snapshot of the processor's condition.
    public struct Status: Sendable, Equatable {
        /// Partition numbers assigned and restored from their checkpoints.
        public var partitions: [Int32] = []
        /// True while a rebalance is restoring partitions (not ready meanwhile).
        public var restoring = false
        /// True while a restored partition replays its log to its last checkpoint.
        public var replaying = false
        /// Whether the last checkpoint or outbox read reached PostgreSQL.
        public var databaseReachable = false
        /// Milliseconds since the epoch when the loop last went round (liveness).
        public var lastLoopMilliseconds: Int64 = 0
        /// True once the processor stopped (readiness goes, liveness stays until exit).
        public var stopping = false

        /// Ready to be counted as a working replica: partitions owned and restored, the
        /// database reachable, not stopping. Why not, when not, in words for the probe's body.
        public var unreadyReasons: [String] {
            var reasons: [String] = []
            if stopping { reasons.append("stopping") }
            if partitions.isEmpty { reasons.append("no partitions assigned") }
            if restoring { reasons.append("restoring partition state") }
            if replaying { reasons.append("replaying to the last checkpoint") }
            if !databaseReachable { reasons.append("PostgreSQL unreachable") }
            return reasons
        }
    }

    private let status = Mutex(Status())

    public init() {}

    public var current: Status { status.withLock { $0 } }

    func update(_ change: (inout Status) -> Void) { status.withLock { change(&$0) } }
}
