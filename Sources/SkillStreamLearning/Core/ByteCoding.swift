/// Writes a model snapshot: little-endian fixed-width integers and Doubles as their exact bit
/// patterns, so that a restored model is identical bit for bit.
public struct SnapshotWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Int) { write(UInt64(bitPattern: Int64(value))) }
    public mutating func write(_ value: Double) { write(value.bitPattern) }
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ values: [Double]) {
        write(values.count)
        for value in values { write(value) }
    }

    /// Raw bytes (a nested snapshot), length first.
    public mutating func write(bytes value: [UInt8]) {
        write(value.count)
        bytes.append(contentsOf: value)
    }

    public mutating func write(_ value: String) {
        let utf8 = Array(value.utf8)
        write(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    /// An integer in as few bytes as its size needs (zigzag, then seven bits a byte): for the
    /// many small counts a snapshot holds.
    public mutating func writeCompact(_ value: Int) {
        var zigzag = UInt64(bitPattern: Int64(value << 1) ^ Int64(value >> 63))
        while zigzag >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        bytes.append(UInt8(zigzag))
    }

    /// A header naming the model kind and format version, checked on restore.
    public mutating func writeHeader(kind: String, version: Int) {
        write("skillstream.\(kind)")
        write(version)
    }
}

/// Reads what ``SnapshotWriter`` wrote; every read checks bounds and throws `invalidSnapshot`.
public struct SnapshotReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func readUInt64() throws(LearningError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw .invalidSnapshot("truncated at byte \(offset)") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    public mutating func readInt() throws(LearningError) -> Int { Int(Int64(bitPattern: try readUInt64())) }

    /// Reads what ``SnapshotWriter/writeCompact(_:)`` wrote.
    public mutating func readCompactInt() throws(LearningError) -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw .invalidSnapshot("truncated at byte \(offset)") }
            guard shift <= 63 else { throw .invalidSnapshot("compact integer longer than 64 bits at byte \(offset)") }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int(Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1))
    }
    public mutating func readDouble() throws(LearningError) -> Double { Double(bitPattern: try readUInt64()) }

    public mutating func readUInt8() throws(LearningError) -> UInt8 {
        guard offset < bytes.count else { throw .invalidSnapshot("truncated at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBool() throws(LearningError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw .invalidSnapshot("byte \(other) is not a Bool at \(offset - 1)")
        }
    }

    /// A count, checked against what is left so that a corrupt length cannot allocate wildly.
    public mutating func readCount(elementSize: Int) throws(LearningError) -> Int {
        let count = try readInt()
        guard count >= 0, count <= (bytes.count - offset) / max(1, elementSize) else {
            throw .invalidSnapshot("length \(count) at byte \(offset - 8) exceeds the snapshot")
        }
        return count
    }

    public mutating func readDoubles() throws(LearningError) -> [Double] {
        let count = try readCount(elementSize: 8)
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readDouble()) }
        return values
    }

    public mutating func readBytes() throws(LearningError) -> [UInt8] {
        let count = try readCount(elementSize: 1)
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    public mutating func readString() throws(LearningError) -> String {
        let count = try readCount(elementSize: 1)
        defer { offset += count }
        guard let string = String(validating: bytes[offset..<(offset + count)], as: UTF8.self) else {
            throw .invalidSnapshot("invalid UTF-8 at byte \(offset)")
        }
        return string
    }

    /// Checks the header written by ``SnapshotWriter/writeHeader(kind:version:)``.
    public mutating func readHeader(kind: String, version: Int) throws(LearningError) {
        _ = try readHeader(kind: kind, versions: version...version)
    }

    /// Checks the header of a format read in several versions; returns the version found.
    public mutating func readHeader(kind: String, versions: ClosedRange<Int>) throws(LearningError) -> Int {
        let found = try readString()
        guard found == "skillstream.\(kind)" else { throw .invalidSnapshot("snapshot of \(found), not skillstream.\(kind)") }
        let foundVersion = try readInt()
        guard versions.contains(foundVersion) else { throw .invalidSnapshot("\(kind) snapshot version \(foundVersion), expected \(versions)") }
        return foundVersion
    }

    /// Throws unless every byte was consumed (a longer snapshot is another format).
    public func expectEnd() throws(LearningError) {
        guard isAtEnd else { throw .invalidSnapshot("\(bytes.count - offset) unexpected trailing bytes") }
    }
}

extension SnapshotWriter {
    mutating func write(_ schema: FeatureSchema) {
        write(schema.count)
        for (name, nominal) in zip(schema.names, schema.isNominal) {
            write(name)
            write(nominal)
        }
    }
}

extension SnapshotReader {
    mutating func readSchema() throws(LearningError) -> FeatureSchema {
        let count = try readCount(elementSize: 9)
        var names: [String] = []
        var nominal: Set<String> = []
        for _ in 0..<count {
            let name = try readString()
            names.append(name)
            if try readBool() { nominal.insert(name) }
        }
        do {
            return try FeatureSchema(names: names, nominal: nominal)
        } catch {
            throw .invalidSnapshot("schema: \(error)")
        }
    }
}
