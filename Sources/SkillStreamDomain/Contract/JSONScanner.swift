/// A strict pull parser over UTF-8 JSON bytes: the event decoder reads fields in place, without
/// building a document tree. Errors are ``Rejection``s with `malformed_json` or `invalid_utf8`.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Nesting allowed inside a value that is skipped (guards against pathological input).
    static let maximumDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    enum ValueKind {
        case object, array, string, number, bool, null
    }

    func malformed(_ what: String) -> Rejection {
        Rejection(.malformedJSON, "\(what) at byte \(index)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func peekKind() throws(Rejection) -> ValueKind {
        skipWhitespace()
        guard index < bytes.count else { throw malformed("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw malformed("unexpected character")
        }
    }

    mutating func expect(_ byte: UInt8) throws(Rejection) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { throw malformed("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// With the scanner at a string's opening quote: the index of its closing quote when the
    /// string is plain printable ASCII without escapes (the common case), else nil.
    private func plainStringEnd() -> Int? {
        var probe = index + 1
        while probe < bytes.count {
            let byte = bytes[probe]
            if byte == UInt8(ascii: "\"") { return probe }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
            probe += 1
        }
        return nil
    }

    /// Reads an object key and returns its raw bytes when it is plain ASCII (the common case),
    /// so that known keys are matched without building a String; nil otherwise, with the
    /// scanner left at the key for ``readString()``.
    mutating func readRawKey() throws(Rejection) -> UnsafeBufferPointer<UInt8>? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw malformed("expected '\"'") }
        guard let end = plainStringEnd() else { return nil }
        defer { index = end + 1 }
        return UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end])
    }

    /// Skips a string, checking its syntax, and returns where its contents lie and whether they
    /// hold escapes: the caller decodes only the strings it needs (see ``string(at:end:escaped:)``).
    /// The string is fully checked here (escapes and UTF-8) even though it is decoded later or
    /// never: a message is valid JSON or it is refused.
    mutating func readStringRange() throws(Rejection) -> (start: Int, end: Int, escaped: Bool) {
        skipWhitespace()
        let start = index + 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "\""), let end = plainStringEnd() {
            index = end + 1
            return (start, end, false)
        }
        // Escapes, non-ASCII or an error: decode once to check it all, keep only the position.
        _ = try readString()
        let end = index - 1
        return (start, end, bytes[start..<end].contains(UInt8(ascii: "\\")))
    }

    /// Decodes the string whose contents start at `start` (as returned by ``readStringRange()``).
    func string(at start: Int, end: Int, escaped: Bool) throws(Rejection) -> String {
        guard escaped else { return try Self.validated(UnsafeBufferPointer(rebasing: bytes[start..<end]), at: start) }
        var scanner = JSONScanner(bytes)
        scanner.index = start - 1
        return try scanner.readString()
    }

    /// Reads a string; the common case without escapes is decoded straight from the bytes.
    mutating func readString() throws(Rejection) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try Self.validated(UnsafeBufferPointer(rebasing: bytes[start..<index]), at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw malformed("control character in string") }
            index += 1
        }
        // With escapes: decode into a buffer.
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try decoded.withUnsafeBufferPointer { buffer throws(Rejection) in try Self.validated(buffer, at: start) }
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw malformed("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): decoded.append(0x22)
                case UInt8(ascii: "\\"): decoded.append(0x5C)
                case UInt8(ascii: "/"): decoded.append(0x2F)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == UInt8(ascii: "u") else {
                            throw malformed("lone surrogate")
                        }
                        index += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw malformed("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw malformed("lone surrogate")
                    }
                    decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default:
                    throw malformed("invalid escape")
                }
            default:
                if byte < 0x20 { throw malformed("control character in string") }
                decoded.append(byte)
            }
        }
        throw malformed("unterminated string")
    }

    private mutating func readHex4() throws(Rejection) -> UInt32 {
        guard index + 4 <= bytes.count else { throw malformed("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw malformed("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func validated(_ buffer: UnsafeBufferPointer<UInt8>, at offset: Int) throws(Rejection) -> String {
        // ASCII needs no validation (the common case); anything else is checked.
        if buffer.allSatisfy({ $0 < 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
        guard let string = String(validating: buffer, as: UTF8.self) else {
            throw Rejection(.invalidUTF8, "invalid UTF-8 in a string at byte \(offset)")
        }
        return string
    }

    /// Reads a number; `isInteger` is true when it has no fraction or exponent.
    mutating func readNumber() throws(Rejection) -> (value: Double, isInteger: Bool) {
        skipWhitespace()
        let start = index
        var isInteger = true
        if index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { throw malformed("invalid number") }
        if bytes[index] == 0x30 {
            index += 1
        } else {
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { throw malformed("invalid number") }
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { throw malformed("invalid number") }
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        }
        if let fast = Self.fastDecimal(UnsafeBufferPointer(rebasing: bytes[start..<index])) { return (fast, isInteger) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // Valid JSON has no limit: a number beyond a Double's range reads as ±infinity, which
        // no field's range holds, and a field the contract does not know is ignored whatever it holds.
        guard let value = Double(text) else { throw malformed("invalid number") }
        return (value, isInteger)
    }

    /// Clinger's fast path: a decimal without exponent whose digits fit in 2⁵³ and with at most
    /// 22 fraction digits is `digits / 10^k`, one correctly rounded division of two exact
    /// Doubles, so the result equals strtod's. Nil when the path does not apply.
    static func fastDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var fractionDigits = 0
        var inFraction = false
        var negative = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard mantissa < (1 << 53) / 10 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - 0x30)
                if inFraction { fractionDigits += 1 }
            default: return nil  // an exponent
            }
        }
        guard fractionDigits <= 22 else { return nil }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    mutating func readBool() throws(Rejection) -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw malformed("invalid literal")
    }

    mutating func readNull() throws(Rejection) {
        skipWhitespace()
        guard matchLiteral("null") else { throw malformed("invalid literal") }
    }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// Skips any value, checking its syntax.
    mutating func skipValue(depth: Int = 0) throws(Rejection) {
        guard depth < Self.maximumDepth else { throw malformed("nesting too deep") }
        switch try peekKind() {
        case .string: _ = try readString()
        case .number: _ = try readNumber()
        case .bool: _ = try readBool()
        case .null: try readNull()
        case .array:
            try expect(UInt8(ascii: "["))
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case .object:
            try expect(UInt8(ascii: "{"))
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                _ = try readString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        }
    }
}
