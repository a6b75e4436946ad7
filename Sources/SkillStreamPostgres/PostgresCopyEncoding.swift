/// PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL, backslash escapes.
enum PostgresCopyEncoding {
    static func appendRow(_ row: [PostgresValue], to buffer: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            appendField(value, to: &buffer)
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    static func appendField(_ value: PostgresValue, to buffer: inout [UInt8]) {
        switch value {
        case .null:
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .text(let text):
            for byte in text.utf8 { appendEscaped(byte, to: &buffer) }
        case .bytes(let bytes):
            // bytea hex input `\x…`, whose backslash COPY itself needs escaped.
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
            let digits = Array("0123456789abcdef".utf8)
            for byte in bytes {
                buffer.append(digits[Int(byte >> 4)])
                buffer.append(digits[Int(byte & 0x0f)])
            }
        }
    }

    private static func appendEscaped(_ byte: UInt8, to buffer: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        default: buffer.append(byte)
        }
    }
}
