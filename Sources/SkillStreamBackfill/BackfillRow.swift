import SkillStreamDomain

/// One record seen through its file's ``ColumnLayout``: each mapped column's cell, read as the
/// value it should hold, or a ``RowRejection`` naming the column as the file writes it.
///
/// Every typed accessor returns nil for a column the file does not have or a blank cell (see
/// ``CellParser/blankMarkers``); ``required(_:_:)`` turns that nil into a rejection.
struct BackfillRow {
    let record: CSVRecord
    let layout: ColumnLayout
    let configuration: BackfillConfiguration

    var line: Int { record.line }

    /// The cell's text, trimmed; nil when the column is absent or the cell blank.
    func text(_ column: BackfillColumn) -> String? {
        guard let position = layout.position(of: column), !CellParser.isBlank(record.fields[position]) else { return nil }
        return String(CellParser.trimmed(record.fields[position]))
    }

    /// The column's name as the file writes it.
    func name(_ column: BackfillColumn) -> String {
        layout.position(of: column).map { layout.header[$0] } ?? column.rawValue
    }

    func rejection(_ column: BackfillColumn, _ reason: RowRejection.Reason, _ message: String) -> RowRejection {
        RowRejection(line: line, reason: reason, column: name(column), message)
    }

    /// A value the mapping cannot do without.
    func required<Value>(_ column: BackfillColumn, _ value: Value?) throws(RowRejection) -> Value {
        guard let value else { throw rejection(column, .missingValue, "the cell is blank") }
        return value
    }

    /// The cell read by `parse`, which returns nil for text that is not a `what`.
    func parsed<Value>(
        _ column: BackfillColumn, _ reason: RowRejection.Reason, _ what: String, _ parse: (String) -> Value?
    ) throws(RowRejection) -> Value? {
        guard let text = text(column) else { return nil }
        guard let value = parse(text) else {
            if CellParser.isAmbiguousGrouping(text) {
                throw rejection(
                    column, reason, "'\(text)' could mark thousands or decimals; write it without a thousands separator (1200, or 1.2)")
            }
            throw rejection(column, reason, "'\(text)' is not \(what)")
        }
        return value
    }

    /// The value, which must lie in `range` (`unit` follows numbers in the message).
    func checked(_ column: BackfillColumn, _ value: Double?, in range: ClosedRange<Double>, unit: String = "") throws(RowRejection) -> Double? {
        guard let value else { return nil }
        guard range.contains(value) else {
            let bounds = "\(Self.format(range.lowerBound))…\(Self.format(range.upperBound))\(unit)"
            throw rejection(column, .outOfRange, "\(Self.format(value))\(unit) is outside \(bounds)")
        }
        return value
    }

    /// A number.
    func number(_ column: BackfillColumn) throws(RowRejection) -> Double? {
        try parsed(column, .invalidNumber, "a number") { CellParser.number($0) }
    }

    /// A whole number in `range` (`4` and `4.0`, not `4,5`): a score.
    func wholeNumber(_ column: BackfillColumn, in range: ClosedRange<Int>) throws(RowRejection) -> Int? {
        guard let value = try number(column) else { return nil }
        guard value == value.rounded() else { throw rejection(column, .invalidNumber, "\(Self.format(value)) is not a whole number") }
        return try checked(column, value, in: Double(range.lowerBound)...Double(range.upperBound)).map { Int($0) }
    }

    /// A number rounded to the nearest whole one, in `range`: a period's average count.
    func roundedNumber(_ column: BackfillColumn, in range: ClosedRange<Int>) throws(RowRejection) -> Int? {
        try checked(column, number(column)?.rounded(), in: Double(range.lowerBound)...Double(range.upperBound)).map { Int($0) }
    }

    /// A percentage in `range` (0–100 scale; see ``CellParser/percentage(_:)``).
    func percentage(_ column: BackfillColumn, in range: ClosedRange<Double>) throws(RowRejection) -> Double? {
        try checked(column, parsed(column, .invalidNumber, "a percentage", CellParser.percentage), in: range, unit: " %")
    }

    /// Yes or no.
    func boolean(_ column: BackfillColumn) throws(RowRejection) -> Bool? {
        try parsed(column, .invalidBoolean, "yes or no", CellParser.boolean)
    }

    /// A date, with the configured default time and offset where none is written.
    func time(_ column: BackfillColumn) throws(RowRejection) -> EventTime? {
        try parsed(column, .invalidDate, "a date") { CellParser.time($0, configuration) }
    }

    /// A wait time in seconds, in `range`.
    func duration(_ column: BackfillColumn, in range: ClosedRange<Double>) throws(RowRejection) -> Double? {
        let unit = layout.bareUnitSeconds(of: column)
        let seconds = try parsed(column, .invalidDuration, "a wait time") { CellParser.duration($0, bareUnitSeconds: unit) }
        return try checked(column, seconds, in: range, unit: " s")
    }

    /// The row's restaurant: its cell, else the configured default.
    func restaurantID() throws(RowRejection) -> String {
        try required(.restaurantID, text(.restaurantID) ?? configuration.defaultRestaurantID)
    }

    /// Numbers in messages: whole ones without a fraction.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
