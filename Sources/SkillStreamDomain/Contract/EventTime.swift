/// An instant from an RFC 3339 timestamp with its UTC offset (`2026-03-14T20:15:00-05:00`):
/// milliseconds since the Unix epoch, plus the offset the sender wrote, for local-time features.
public struct EventTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64
    /// The sender's UTC offset in minutes (-300 for Peru).
    public var offsetMinutes: Int16

    public init(millisecondsSinceEpoch: Int64, offsetMinutes: Int16 = 0) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
        self.offsetMinutes = offsetMinutes
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    public var seconds: Double { Double(millisecondsSinceEpoch) / 1_000 }

    /// The day number (days since 1970-01-01) in the sender's local time.
    public var localDay: Int32 {
        let local = millisecondsSinceEpoch + Int64(offsetMinutes) * 60_000
        return Int32((local >= 0 ? local : local - 86_399_999) / 86_400_000)
    }

    /// The first instant of local day `day` (as ``localDay`` numbers it) at UTC offset `offsetMinutes`.
    public init(startOfLocalDay day: Int32, offsetMinutes: Int16) {
        self.init(millisecondsSinceEpoch: Int64(day) * 86_400_000 - Int64(offsetMinutes) * 60_000, offsetMinutes: offsetMinutes)
    }

    /// Parses RFC 3339 (`T` or space separator, optional fraction, `Z` or `±HH:MM`); an offset is
    /// required. Returns nil for anything else, including impossible dates.
    public init?(rfc3339 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> EventTime? {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else { return nil }
        guard index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x74 || bytes[index] == 0x20 else { return nil }
        index += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else { return nil }
        var milliseconds = 0
        if index < bytes.count && bytes[index] == 0x2E {
            index += 1
            var scale = 100
            var fractionDigits = 0
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                milliseconds += Int(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
                fractionDigits += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        var offset = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 0x5A, 0x7A:  // Z
            index += 1
        case 0x2B, 0x2D:  // + -
            let sign = bytes[index] == 0x2D ? -1 : 1
            index += 1
            guard let hours = digits(2), expect(0x3A), let minutes = digits(2), hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 60 + minutes)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month), hour <= 23, minute <= 59, second <= 60 else {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let localSeconds = Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + min(second, 59))
        return EventTime(millisecondsSinceEpoch: (localSeconds - Int64(offset) * 60) * 1_000 + Int64(milliseconds), offsetMinutes: Int16(offset))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// RFC 3339 in the sender's offset, milliseconds when not whole seconds.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes ``description``'s text as UTF-8 (what the event encoder writes, without a String in between).
    public func appendRFC3339(to bytes: inout [UInt8]) {
        let local = millisecondsSinceEpoch + Int64(offsetMinutes) * 60_000
        let days = Int((local >= 0 ? local : local - 86_399_999) / 86_400_000)
        let millisecondOfDay = Int(local - Int64(days) * 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        Self.appendDecimal(year, minimumDigits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendDecimal(month, minimumDigits: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendDecimal(day, minimumDigits: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        Self.appendDecimal(millisecondOfDay / 3_600_000, minimumDigits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDecimal(millisecondOfDay / 60_000 % 60, minimumDigits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDecimal(millisecondOfDay / 1_000 % 60, minimumDigits: 2, to: &bytes)
        if millisecondOfDay % 1_000 != 0 {
            bytes.append(UInt8(ascii: "."))
            Self.appendDecimal(millisecondOfDay % 1_000, minimumDigits: 3, to: &bytes)
        }
        if offsetMinutes == 0 {
            bytes.append(UInt8(ascii: "Z"))
            return
        }
        let magnitude = abs(Int(offsetMinutes))
        bytes.append(offsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        Self.appendDecimal(magnitude / 60, minimumDigits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDecimal(magnitude % 60, minimumDigits: 2, to: &bytes)
    }

    /// Writes an integer in decimal, zero-padded to `minimumDigits`.
    static func appendDecimal(_ value: Int, minimumDigits: Int, to bytes: inout [UInt8]) {
        if (0..<100).contains(value) && minimumDigits <= 2 {
            // Most of a timestamp: two digits.
            if value >= 10 || minimumDigits == 2 { bytes.append(UInt8(ascii: "0") + UInt8(value / 10)) }
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
            return
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = InlineArray<20, UInt8>(repeating: 0)  // least significant first
        var count = 0
        repeat {
            digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            count += 1
        } while magnitude > 0
        for _ in count..<max(count, minimumDigits) { bytes.append(UInt8(ascii: "0")) }
        for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(digits[index]) }
    }

    /// The proleptic Gregorian (year, month, day) of a day number (days since 1970-01-01).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
