/// Where the columns a kind maps are in one file's header, how a bare number in each wait-time
/// column is read, and which columns are ignored and why: resolved once per file.
struct ColumnLayout: Sendable {
    /// The header as the reader gave it.
    let header: [String]
    /// The columns the kind maps that the file has, in ``BackfillColumn`` order: the cells that
    /// identify a row.
    let mappedColumns: [BackfillColumn]
    /// The columns the file has that are not mapped, in header order.
    let ignored: [BackfillReport.IgnoredColumn]
    private let positions: [BackfillColumn: Int]
    private let bareUnitSeconds: [BackfillColumn: Double]

    /// Resolves `header` for `kind`.
    ///
    /// - Throws: ``BackfillError`` `ambiguous_columns` when two headers name the same mapped
    ///   column, `missing_columns` when a required one is absent (the restaurant column is not
    ///   required when the configuration names a default restaurant).
    init(header: [String], kind: BackfillKind, configuration: BackfillConfiguration) throws(BackfillError) {
        var positions: [BackfillColumn: Int] = [:]
        var units: [BackfillColumn: Double] = [:]
        var ignored: [BackfillReport.IgnoredColumn] = []
        var ambiguous: [String] = []
        for (index, name) in header.enumerated() {
            guard let (column, unit) = BackfillColumn.resolve(name) else {
                ignored.append(.init(position: index + 1, header: name, reason: "unknown column"))
                continue
            }
            if let reason = column.ignoredReason(for: kind) {
                ignored.append(.init(position: index + 1, header: name, reason: reason))
            } else if let earlier = positions[column] {
                ambiguous += [header[earlier], name]
            } else {
                positions[column] = index
                units[column] = unit
            }
        }
        guard ambiguous.isEmpty else {
            throw BackfillError(.ambiguousColumns, "several columns mean the same thing: " + ambiguous.joined(separator: ", "), columns: ambiguous)
        }
        var missing = BackfillColumn.required(for: kind)
            .filter { positions[$0] == nil && !($0 == .restaurantID && configuration.defaultRestaurantID != nil) }
            .map(\.rawValue)
        let oneOf = BackfillColumn.requiredOneOf(for: kind)
        if !oneOf.isEmpty && oneOf.allSatisfy({ positions[$0] == nil }) {
            missing.append(oneOf.map(\.rawValue).joined(separator: " or "))
        }
        guard missing.isEmpty else {
            throw BackfillError(
                .missingColumns, "a --kind \(kind.rawValue) file needs the columns " + missing.joined(separator: ", ") + " (or a synonym)",
                columns: missing)
        }
        self.header = header
        self.positions = positions
        self.bareUnitSeconds = units
        self.ignored = ignored
        mappedColumns = BackfillColumn.allCases.filter { positions[$0] != nil }
    }

    /// Where the column is in a record; nil when the file does not have it.
    func position(of column: BackfillColumn) -> Int? { positions[column] }

    /// The length in seconds of a bare number in a wait-time column (1 unless its name says
    /// otherwise).
    func bareUnitSeconds(of column: BackfillColumn) -> Double { bareUnitSeconds[column] ?? 1 }
}
