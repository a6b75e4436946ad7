import SkillStreamDomain

/// Reads the values of spreadsheet cells, tolerantly: decimal commas, percentages written three
/// ways, yes/no in Spanish and English, day-first dates, wait times with or without a unit. Each
/// function returns nil for text it cannot read; the caller says which column and why.
enum CellParser {
    /// Cells holding only one of these (any case) are blank: spreadsheets' ways of writing
    /// "no value".
    static let blankMarkers: Set<String> = ["", "-", "–", "—", "n/a", "na", "#n/a", "null", "nan"]

    /// The text without surrounding whitespace (including the no-break spaces Excel writes).
    static func trimmed<Text: StringProtocol>(_ text: Text) -> Text.SubSequence {
        let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
        let end = text.lastIndex { !$0.isWhitespace }.map(text.index(after:)) ?? start
        return text[start..<max(start, end)]
    }

    /// Whether the cell holds no value.
    static func isBlank(_ text: String) -> Bool { blankMarkers.contains(trimmed(text).lowercased()) }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

    /// The value of an ASCII digit string, nil for anything else (including an empty string).
    static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    // MARK: - Numbers

    /// A decimal number with `.` or `,` as the decimal separator and an optional sign: `4`,
    /// `4.0`, `4,5`, `-0.25`. No thousands separators, exponents or words, and nothing that
    /// could be read either way (``isAmbiguousGrouping(_:)``). With `timesHundred` the decimal
    /// point moves two places right in the text, so `0.92` is exactly 92.
    static func number(_ text: String, timesHundred: Bool = false) -> Double? {
        guard let parts = numberParts(text), !isAmbiguous(parts) else { return nil }
        var whole = String(parts.whole)
        var fraction = String(parts.fraction ?? "")
        if timesHundred {
            fraction += String(repeating: "0", count: max(0, 2 - fraction.count))
            whole += fraction.prefix(2)
            fraction = String(fraction.dropFirst(2))
        }
        guard let value = Double((whole.isEmpty ? "0" : whole) + "." + (fraction.isEmpty ? "0" : fraction)) else { return nil }
        return parts.negative ? -value : value
    }

    /// Whether the text is a number whose one separator may mark thousands as well as decimals:
    /// one to three digits (not a lone 0), then `,` or `.`, then exactly three digits. `1,200`
    /// is 1.2 in Lima's Spanish spreadsheets and 1200 in its English ones; no guess is safe.
    static func isAmbiguousGrouping(_ text: String) -> Bool {
        numberParts(text).map(isAmbiguous) ?? false
    }

    private static func isAmbiguous(_ parts: (negative: Bool, whole: Substring, fraction: Substring?)) -> Bool {
        guard let fraction = parts.fraction else { return false }
        return fraction.count == 3 && (1...3).contains(parts.whole.count) && parts.whole.first != "0"
    }

    /// The sign, the digits before the separator and those after it (nil without one); nil for
    /// text that is not digits with at most one `.` or `,`.
    private static func numberParts(_ text: String) -> (negative: Bool, whole: Substring, fraction: Substring?)? {
        var body = trimmed(text)
        let negative = body.first == "-"
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "," })
        guard parts.count <= 2, parts.contains(where: { !$0.isEmpty }),
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
        else { return nil }
        return (negative, parts[0], parts.count == 2 ? parts[1] : nil)
    }

    /// A rate or score in percent (0–100 scale): `92%`, `92 %`, `92,5%` and `92` are 92; a
    /// value of at most 1 written without `%` is a fraction, so `0.92` is 92 and `1` is 100.
    static func percentage(_ text: String) -> Double? {
        let body = trimmed(text)
        if body.hasSuffix("%") { return number(String(body.dropLast())) }
        guard let value = number(text) else { return nil }
        return value <= 1 ? number(text, timesHundred: true) : value
    }

    /// Yes or no: `Yes`/`No`, `Sí`/`Si`/`S`, `Y`/`N`, `true`/`false`, `verdadero`/`falso`,
    /// `1`/`0`, in any case and with or without accents.
    static func boolean(_ text: String) -> Bool? {
        switch CommentClassifier.normalize(text) {
        case "yes", "y", "si", "s", "true", "verdadero", "1": true
        case "no", "n", "false", "falso", "0": false
        default: nil
        }
    }

    // MARK: - Dates

    /// An instant from a date, with an optional time of day and offset:
    /// - full RFC 3339 (`2024-03-15T20:30:00-05:00`, `T` or a space, seconds required);
    /// - a date `2024-03-15` (year first, `-` or `/`) or `15/03/2024` (day first, as in Peru;
    ///   `/`, `-` or `.`), days and months of one or two digits, four-digit years;
    /// - optionally followed (after a space or `T`) by `20:30` or `20:30:15`, then optionally
    ///   `Z` or an offset `±HH:MM`.
    ///
    /// A date without a time gets the configured default local time; a time without an offset the
    /// configured offset. Days that do not exist (31/02/2024) are nil.
    static func time(_ text: String, _ configuration: BackfillConfiguration) -> EventTime? {
        let body = trimmed(text)
        if let exact = EventTime(rfc3339: String(body)) { return exact }
        let parts = body.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "T" || $0 == "t" })
        guard let first = parts.first, let date = isoDate(first) else { return nil }
        var clock = "\(twoDigits(configuration.defaultLocalTimeMinutes / 60)):\(twoDigits(configuration.defaultLocalTimeMinutes % 60)):00"
        var offset = configuration.utcOffsetText
        if parts.count == 2 {
            guard let (timeOfDay, writtenOffset) = timeOfDay(trimmed(parts[1])) else { return nil }
            clock = timeOfDay
            offset = writtenOffset ?? offset
        }
        return EventTime(rfc3339: "\(date)T\(clock)\(offset)")
    }

    /// `YYYY-MM-DD` of `2024-03-15`, `2024/3/15`, `15/03/2024`, `15-3-2024` or `15.03.2024`
    /// (whether the day exists is checked when the timestamp is parsed).
    static func isoDate(_ text: Substring) -> String? {
        let fields = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard fields.count == 3 else { return nil }
        let (year, month, day) = fields[0].count == 4 ? (fields[0], fields[1], fields[2]) : (fields[2], fields[1], fields[0])
        guard year.count == 4, digits(year) != nil, (1...2).contains(month.count), (1...2).contains(day.count),
            let monthNumber = digits(month), let dayNumber = digits(day)
        else { return nil }
        return "\(year)-\(twoDigits(monthNumber))-\(twoDigits(dayNumber))"
    }

    /// The time of day as `HH:MM:SS`, and the offset as written (`Z`, `-05:00`), of `20:30`,
    /// `8:30:15`, `20:30-05:00` or `20:30 Z`; the offset is nil when none is written.
    static func timeOfDay(_ text: Substring) -> (String, String?)? {
        let end = text.firstIndex { !($0.isNumber || $0 == ":") } ?? text.endIndex
        let fields = text[..<end].split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count), (1...2).contains(fields[0].count), fields.dropFirst().allSatisfy({ $0.count == 2 }),
            let hour = digits(fields[0]), let minute = digits(fields[1])
        else { return nil }
        let second = fields.count == 3 ? digits(fields[2]) : 0
        guard let second else { return nil }
        let offsetText = trimmed(text[end...])
        let offset: String?
        switch offsetText {
        case "": offset = nil
        case "Z", "z": offset = "Z"
        default:
            let sign = offsetText.first
            let magnitude = offsetText.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
            guard sign == "+" || sign == "-", magnitude.count == 2, magnitude.allSatisfy({ $0.count == 2 && digits($0) != nil }) else { return nil }
            offset = String(offsetText)
        }
        return ("\(twoDigits(hour)):\(twoDigits(minute)):\(twoDigits(second))", offset)
    }

    // MARK: - Durations

    /// Units of wait times and their length in seconds, as they may follow a number in a cell
    /// (`12 min`) or end a column's name (`Wait_Time_Minutes`).
    static let durationUnits: [(name: String, seconds: Double)] = [
        ("seconds", 1), ("second", 1), ("segundos", 1), ("segundo", 1), ("secs", 1), ("sec", 1), ("segs", 1), ("seg", 1), ("s", 1),
        ("minutes", 60), ("minute", 60), ("minutos", 60), ("minuto", 60), ("mins", 60), ("min", 60), ("m", 60),
        ("hours", 3_600), ("hour", 3_600), ("horas", 3_600), ("hora", 3_600), ("hrs", 3_600), ("hr", 3_600), ("h", 3_600),
    ]

    /// A wait time in seconds:
    /// - a bare number is in `bareUnitSeconds` (seconds, unless the column's name says minutes);
    /// - numbers with units, alone or in sequence: `720s`, `12 min`, `12m`, `1 h 5 min`, `12m30s`;
    /// - a clock: `00:12:30` (hours, minutes, seconds) or `12:30` (minutes, seconds).
    static func duration(_ text: String, bareUnitSeconds: Double) -> Double? {
        let body = trimmed(text).lowercased()
        if body.contains(":") {
            let fields = body.split(separator: ":", omittingEmptySubsequences: false)
            let values = fields.compactMap { digits(CellParser.trimmed($0)) }
            guard (2...3).contains(fields.count), values.count == fields.count, values.dropFirst().allSatisfy({ $0 < 60 }) else { return nil }
            return Double(values.reduce(0) { $0 * 60 + $1 })
        }
        var rest = Substring(body)
        var total = 0.0
        var parts = 0
        while !rest.isEmpty {
            let numberText = rest.prefix { $0.isNumber || $0 == "." || $0 == "," || $0 == "-" || $0 == "+" }
            guard let value = number(String(numberText)) else { return nil }
            rest = rest.dropFirst(numberText.count).drop { $0 == " " }
            let unitText = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unitText.count).drop { $0 == " " }
            if unitText.isEmpty {
                guard parts == 0, rest.isEmpty else { return nil }
                return value * bareUnitSeconds
            }
            guard let unit = durationUnits.first(where: { $0.name == unitText }) else { return nil }
            total += value * unit.seconds
            parts += 1
        }
        return parts > 0 ? total : nil
    }
}
