/// The one error type of the backfill module: a file that cannot be mapped at all (no header,
/// required columns missing, two columns meaning the same thing) or a configuration that cannot
/// be used. Rows that cannot be mapped are not errors but ``RowRejection``s.
///
/// `description` is safe to log: it names columns, never cell contents.
public struct BackfillError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; raw values are stable.
    public enum Code: String, Sendable, Hashable {
        /// The file is empty or holds only blank lines.
        case missingHeader = "missing_header"
        /// The header line opens a quote that is never closed.
        case malformedHeader = "malformed_header"
        /// Columns the kind requires are not in the header (see `columns`).
        case missingColumns = "missing_columns"
        /// Several header columns mean the same column (see `columns`).
        case ambiguousColumns = "ambiguous_columns"
        /// A ``BackfillConfiguration`` value is outside what can be used.
        case invalidConfiguration = "invalid_configuration"
    }

    public var code: Code
    public var message: String
    /// The columns at fault: the canonical names of missing columns, or the headers as written
    /// of ambiguous ones.
    public var columns: [String]

    /// An error with its code and message.
    public init(_ code: Code, _ message: String, columns: [String] = []) {
        self.code = code
        self.message = message
        self.columns = columns
    }

    /// `BackfillError.missing_columns: …`
    public var description: String { "BackfillError.\(code.rawValue): \(message)" }
}
