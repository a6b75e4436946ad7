/// The rows a statement returned, copied out of libpq's result so they outlive it.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names in result order.
    public let columns: [String]
    private let values: [String?]
    /// For `INSERT`, `UPDATE`, `DELETE` and `COPY`: how many rows the statement touched.
    public let affectedRows: Int

    init(columns: [String], values: [String?], affectedRows: Int) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : values.count / columns.count }

    public subscript(position: Int) -> PostgresRow {
        let width = columns.count
        return PostgresRow(columns: columns, values: values[(position * width)..<((position + 1) * width)])
    }
}

/// One row of a result, read by column name or position.
public struct PostgresRow: Sendable {
    public let columns: [String]
    @usableFromInline let values: ArraySlice<String?>

    /// The column's value decoded as `T`; throws `decoding` for NULL or an invalid value.
    /// (Inlinable, so that callers' modules specialise it for their types.)
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let value = try decode(T?.self, column: column) else {
            throw PostgresError(code: .decoding, message: "column \(column) is NULL")
        }
        return value
    }

    /// The column's value decoded as `T`, or nil for NULL; throws `decoding` for an invalid value.
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T?.Type, column: String) throws -> T? {
        guard let index = columns.firstIndex(of: column) else {
            throw PostgresError(code: .decoding, message: "no column \(column) in \(columns)")
        }
        guard let text = values[values.startIndex + index] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(code: .decoding, message: "column \(column) is not a valid \(T.self)")
        }
        return value
    }

    /// The raw text of a column, nil for NULL.
    public subscript(column: String) -> String? {
        columns.firstIndex(of: column).flatMap { values[values.startIndex + $0] }
    }
}
