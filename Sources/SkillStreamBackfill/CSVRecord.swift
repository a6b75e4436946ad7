/// One data record of a CSV file: its fields, one per header column, and the physical line it
/// starts on (1-based; the header is usually line 1), which is how rows are reported.
public struct CSVRecord: Sendable, Hashable {
    /// The line the record starts on. A quoted field holding line breaks makes the record span
    /// several lines; the next record's line number counts them.
    public var line: Int
    /// The fields as written (not trimmed), as many as the header has columns: a short row is
    /// padded with empty fields.
    public var fields: [String]

    /// A record starting on `line`.
    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}
