/// Why an event was refused: a stable machine-readable code (the dead-letter `reason` header and
/// the metric label), the field at fault, and a message for people.
public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason codes. Their raw values are part of the contract: dashboards and alerts use them.
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        case oversize
        case invalidUTF8 = "invalid_utf8"
        case malformedJSON = "malformed_json"
        case notAnObject = "not_an_object"
        case unknownSchema = "unknown_schema"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case emptyValue = "empty_value"
        case outOfRange = "out_of_range"
        case unknownEnum = "unknown_enum"
        case invalidTimestamp = "invalid_timestamp"
        case inconsistent
        case keyMismatch = "key_mismatch"
        /// A text holds U+0000 (valid JSON as `\u0000`, but no PostgreSQL text stores it).
        case invalidCharacter = "invalid_character"
    }

    public var reason: Reason
    public var field: String?
    public var message: String

    public init(_ reason: Reason, field: String? = nil, _ message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String { "\(reason.rawValue)" + (field.map { " (\($0))" } ?? "") + ": \(message)" }
}
