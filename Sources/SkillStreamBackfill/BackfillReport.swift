/// The summary of one backfill file, kept up to date row by row by ``BackfillMapper``: how many
/// rows were read, mapped and rejected (by reason), how many events went to each topic, and
/// which columns were ignored and why. Rows read always equal rows mapped plus rows rejected;
/// blank rows are skipped by the reader and not counted.
public struct BackfillReport: Sendable, Hashable, CustomStringConvertible {
    /// A header column whose values are not sent, and why.
    public struct IgnoredColumn: Sendable, Hashable {
        /// 1-based, counted in the header.
        public var position: Int
        /// As the file writes it.
        public var header: String
        public var reason: String

        /// An ignored column.
        public init(position: Int, header: String, reason: String) {
            self.position = position
            self.header = header
            self.reason = reason
        }
    }

    public let kind: BackfillKind
    /// Records read, blank rows aside.
    public internal(set) var rowsRead = 0
    /// Rows whose events were all produced.
    public internal(set) var rowsMapped = 0
    /// Rows rejected, per reason code.
    public internal(set) var rejectedByReason: [RowRejection.Reason: Int] = [:]
    /// Events produced per topic (``SkillStreamDomain/EventSchema/topic``).
    public internal(set) var eventsByTopic: [String: Int] = [:]
    public let ignoredColumns: [IgnoredColumn]
    /// Mapped rows dated before an earlier mapped row. The processor counts events more than its
    /// allowed lateness behind the newest it has seen as late and leaves them out of the
    /// windows, so a file should be published sorted by date, oldest first.
    public internal(set) var rowsOutOfDateOrder = 0

    /// An empty report for a file of `kind`.
    init(kind: BackfillKind, ignoredColumns: [IgnoredColumn]) {
        self.kind = kind
        self.ignoredColumns = ignoredColumns
    }

    /// Rows rejected, all reasons.
    public var rowsRejected: Int { rejectedByReason.values.reduce(0, +) }

    /// Events produced, all topics.
    public var events: Int { eventsByTopic.values.reduce(0, +) }

    /// Several lines for people: counts, rejections by reason, events by topic, ignored columns.
    public var description: String {
        var lines = ["backfill \(kind.rawValue): \(rowsRead) rows read, \(rowsMapped) mapped, \(rowsRejected) rejected; \(events) events"]
        lines += rejectedByReason.sorted { $0.key.rawValue < $1.key.rawValue }.map { "  rejected \($0.key.rawValue): \($0.value)" }
        lines += eventsByTopic.sorted { $0.key < $1.key }.map { "  events to \($0.key): \($0.value)" }
        lines += ignoredColumns.map { "  ignored column \($0.position) '\($0.header)': \($0.reason)" }
        if rowsOutOfDateOrder > 0 {
            lines.append("  \(rowsOutOfDateOrder) rows are dated before an earlier row: publish the file sorted by date, oldest first")
        }
        return lines.joined(separator: "\n")
    }
}
