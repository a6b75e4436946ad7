import SkillStreamDomain

/// Why one row of a backfill file was not mapped: the line it starts on, a stable
/// machine-readable reason code, the column at fault and a message for people. The other rows
/// still go through.
public struct RowRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason codes. Their raw values are stable: the summary counts rows by them and
    /// Schemas/backfill/README.md lists them.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// A quoted field is never closed: it ran to the end of the file.
        case unterminatedQuote = "unterminated_quote"
        /// A field is not valid UTF-8 (a Latin-1 export, for instance).
        case invalidUTF8 = "invalid_utf8"
        /// The row has more non-empty fields than the header has columns.
        case tooManyFields = "too_many_fields"
        /// A cell the mapping needs is blank.
        case missingValue = "missing_value"
        /// A number, percentage or score cannot be read, or a score is not a whole number.
        case invalidNumber = "invalid_number"
        /// A yes/no cell is neither.
        case invalidBoolean = "invalid_boolean"
        /// A date cannot be read, or names a day that does not exist.
        case invalidDate = "invalid_date"
        /// A wait time cannot be read.
        case invalidDuration = "invalid_duration"
        /// A value is outside what the contract allows (a score of 7, an accuracy of 130 %).
        case outOfRange = "out_of_range"
        /// Cells of the row contradict each other (completed "No" with a completion date).
        case inconsistent
        // The event decoder refused a mapped event: its codes, which the checks above make rare.
        case oversize
        case malformedJSON = "malformed_json"
        case notAnObject = "not_an_object"
        case unknownSchema = "unknown_schema"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case emptyValue = "empty_value"
        case unknownEnum = "unknown_enum"
        case invalidTimestamp = "invalid_timestamp"
        case keyMismatch = "key_mismatch"
        case invalidCharacter = "invalid_character"

        /// The code of a contract rejection, under the same name.
        init(_ contract: Rejection.Reason) {
            switch contract {
            case .oversize: self = .oversize
            case .invalidUTF8: self = .invalidUTF8
            case .malformedJSON: self = .malformedJSON
            case .notAnObject: self = .notAnObject
            case .unknownSchema: self = .unknownSchema
            case .missingField: self = .missingField
            case .wrongType: self = .wrongType
            case .emptyValue: self = .emptyValue
            case .outOfRange: self = .outOfRange
            case .unknownEnum: self = .unknownEnum
            case .invalidTimestamp: self = .invalidTimestamp
            case .inconsistent: self = .inconsistent
            case .keyMismatch: self = .keyMismatch
            case .invalidCharacter: self = .invalidCharacter
            }
        }
    }

    /// The physical line the row starts on (the header is line 1).
    public var line: Int
    public var reason: Reason
    /// The column at fault as written in the file's header; nil when no one column is (too
    /// many fields, or the contract refused the event: the message names its field).
    public var column: String?
    /// What is wrong, quoting the cell.
    public var message: String

    /// A rejection of the row starting on `line`.
    public init(line: Int, reason: Reason, column: String?, _ message: String) {
        self.line = line
        self.reason = reason
        self.column = column
        self.message = message
    }

    /// `line 7: out_of_range (Customer_Satisfaction_Score): …`
    public var description: String {
        "line \(line): \(reason.rawValue)" + (column.map { " (\($0))" } ?? "") + ": \(message)"
    }
}
