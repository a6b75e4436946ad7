/// The field separators a ``CSVReader`` recognises. Which one a file uses is detected from its
/// header line: Spanish-locale spreadsheet exports separate with `;` because `,` is their decimal
/// separator.
public enum CSVDelimiter: UInt8, Sendable, Hashable, CaseIterable {
    case comma = 0x2C
    case semicolon = 0x3B
    case tab = 0x09

    /// The delimiter occurring most often in a header line (outside quotes); on a tie the
    /// earlier of comma, semicolon, tab; a comma when none occurs (a one-column file).
    static func mostFrequent(_ counts: [CSVDelimiter: Int]) -> CSVDelimiter {
        var best = CSVDelimiter.comma
        for candidate in allCases where counts[candidate, default: 0] > counts[best, default: 0] { best = candidate }
        return best
    }
}
