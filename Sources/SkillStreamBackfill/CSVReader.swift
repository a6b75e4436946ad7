/// Reads a CSV file (RFC 4180, as spreadsheets export it) one record at a time from a sequence
/// of bytes, so that a large file never has to be held as records.
///
/// What it tolerates: a UTF-8 byte order mark; CRLF, LF or lone CR line ends; blank lines and
/// rows whose every field is blank (skipped); `,`, `;` or tab as the delimiter, detected from the
/// header line; quoted fields holding delimiters, line breaks and `""` escapes; spaces before an
/// opening quote; text after a closing quote (kept); a trailing delimiter; rows shorter than the
/// header (padded with empty fields).
///
/// What it reports, per record and without stopping: invalid UTF-8 in a field, more non-empty
/// fields than the header has columns, and a quote that is never closed (which runs to the end
/// of the file, so it is the last record). A file without a header line is a ``BackfillError``.
public struct CSVReader<Source: IteratorProtocol<UInt8>>: IteratorProtocol, Sequence {
    /// The delimiter detected from the header line.
    public private(set) var delimiter = CSVDelimiter.comma
    /// The header's column names as written, trimmed of surrounding whitespace; empty names after
    /// the last named column (a trailing delimiter) are dropped.
    public private(set) var header: [String] = []
    /// The line the header is on (after any leading blank lines).
    public private(set) var headerLine = 1

    private var source: Source
    /// The bytes read ahead to find the header and its delimiter, read again before `source`.
    private var replay: [UInt8] = []
    private var replayPosition = 0
    private var lookahead: UInt8?
    /// The physical line the next byte is on.
    private var line = 1
    /// The current record's field bytes, back to back, and where each field ends: reused for
    /// every record.
    private var buffer: [UInt8] = []
    private var fieldEnds: [Int] = []

    private static var quote: UInt8 { 0x22 }
    private static var lineFeed: UInt8 { 0x0A }
    private static var carriageReturn: UInt8 { 0x0D }

    /// Reads the header from `bytes` and detects the delimiter.
    ///
    /// - Throws: ``BackfillError`` `missing_header` when the file holds no non-blank line,
    ///   `malformed_header` when the header's quote is never closed.
    public init<Bytes: Sequence>(_ bytes: Bytes) throws(BackfillError) where Bytes.Iterator == Source {
        source = bytes.makeIterator()
        skipByteOrderMark()
        guard let detected = readAheadToHeader() else {
            throw BackfillError(.missingHeader, "the file has no header line")
        }
        delimiter = detected
        guard let (line, unterminated) = readRawRecord() else {
            throw BackfillError(.missingHeader, "the file has no header line")
        }
        guard !unterminated else {
            throw BackfillError(.malformedHeader, "the header on line \(line) opens a quote that is never closed")
        }
        var names: [String] = []
        for index in 0..<fieldEnds.count { names.append(String(CellParser.trimmed(String(decoding: fieldBytes(index), as: UTF8.self)))) }
        while names.last?.isEmpty == true { names.removeLast() }
        header = names
        headerLine = line
    }

    /// The next data record, or why it cannot be read; nil at the end of the file.
    public mutating func next() -> Result<CSVRecord, RowRejection>? {
        guard let (line, unterminated) = readRawRecord() else { return nil }
        guard !unterminated else {
            // The last line holding any of it: the file may end with a line break.
            let lastLine = buffer.last == Self.lineFeed || buffer.last == Self.carriageReturn ? self.line - 1 : self.line
            return .failure(
                RowRejection(
                    line: line, reason: .unterminatedQuote, column: columnName(fieldEnds.count - 1),
                    "a quoted field is never closed: it ran to the end of the file, so lines \(line)–\(lastLine) were read as this one row; close the quote and load the file again"))
        }
        var fields: [String] = []
        fields.reserveCapacity(header.count)
        for index in 0..<fieldEnds.count {
            let bytes = fieldBytes(index)
            if index >= header.count {
                guard bytes.allSatisfy(isBlankByte) else {
                    return .failure(
                        RowRejection(
                            line: line, reason: .tooManyFields, column: nil,
                            "the row has \(fieldEnds.count) fields, the header \(header.count) columns"))
                }
                continue
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(RowRejection(line: line, reason: .invalidUTF8, column: columnName(index), "the field is not valid UTF-8"))
            }
            fields.append(text)
        }
        while fields.count < header.count { fields.append("") }
        return .success(CSVRecord(line: line, fields: fields))
    }

    // MARK: - Bytes

    private mutating func nextByte() -> UInt8? {
        if let byte = lookahead {
            lookahead = nil
            return byte
        }
        if replayPosition < replay.count {
            defer { replayPosition += 1 }
            return replay[replayPosition]
        }
        return source.next()
    }

    private mutating func peekByte() -> UInt8? {
        if lookahead == nil { lookahead = nextByte() }
        return lookahead
    }

    private func fieldBytes(_ index: Int) -> ArraySlice<UInt8> {
        buffer[(index == 0 ? 0 : fieldEnds[index - 1])..<fieldEnds[index]]
    }

    private func columnName(_ index: Int) -> String {
        index < header.count && !header[index].isEmpty ? header[index] : "column \(index + 1)"
    }

    // MARK: - Header

    /// Drops a leading UTF-8 byte order mark; anything else read is kept for replay.
    private mutating func skipByteOrderMark() {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        while replay.count < mark.count, let byte = source.next() {
            replay.append(byte)
            guard byte == mark[replay.count - 1] else { return }
        }
        if replay == mark { replay = [] }
    }

    /// Reads ahead, into `replay`, up to the end of the first non-blank line and counts the
    /// candidate delimiters on it outside quotes; nil when the file has no non-blank line.
    private mutating func readAheadToHeader() -> CSVDelimiter? {
        var counts: [CSVDelimiter: Int] = [:]
        var inQuotes = false
        var hasContent = false
        var position = 0
        while true {
            let byte: UInt8
            if position < replay.count {
                byte = replay[position]
            } else if let next = source.next() {
                replay.append(next)
                byte = next
            } else {
                return hasContent ? CSVDelimiter.mostFrequent(counts) : nil
            }
            position += 1
            if byte == Self.quote {
                inQuotes.toggle()
                continue
            }
            if inQuotes {
                if !isBlankByte(byte) && byte != Self.lineFeed && byte != Self.carriageReturn { hasContent = true }
                continue
            }
            if byte == Self.lineFeed || byte == Self.carriageReturn {
                if hasContent { return CSVDelimiter.mostFrequent(counts) }
                counts = [:]
            } else if let candidate = CSVDelimiter(rawValue: byte) {
                counts[candidate, default: 0] += 1
            } else if !isBlankByte(byte) {
                hasContent = true
            }
        }
    }

    // MARK: - Records

    /// Reads the next record that is not blank into `buffer` and `fieldEnds`: the line it starts
    /// on, and whether its last field's quote was never closed. Nil at the end of the file.
    private mutating func readRawRecord() -> (line: Int, unterminated: Bool)? {
        while true {
            buffer.removeAll(keepingCapacity: true)
            fieldEnds.removeAll(keepingCapacity: true)
            guard var byte = nextByte() else { return nil }
            let startLine = line
            var fieldStart = 0
            var inQuotes = false
            var hasContent = false
            record: while true {
                if inQuotes {
                    if byte == Self.quote {
                        if peekByte() == Self.quote {
                            _ = nextByte()
                            buffer.append(Self.quote)
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if byte == Self.lineFeed || (byte == Self.carriageReturn && peekByte() != Self.lineFeed) { line += 1 }
                        if !isBlankByte(byte) { hasContent = true }
                        buffer.append(byte)
                    }
                } else {
                    switch byte {
                    case delimiter.rawValue:
                        fieldEnds.append(buffer.count)
                        fieldStart = buffer.count
                    case Self.lineFeed:
                        line += 1
                        break record
                    case Self.carriageReturn:
                        if peekByte() == Self.lineFeed { _ = nextByte() }
                        line += 1
                        break record
                    case Self.quote where buffer[fieldStart...].allSatisfy(isBlankByte):
                        buffer.removeSubrange(fieldStart...)
                        inQuotes = true
                    default:
                        if !isBlankByte(byte) { hasContent = true }
                        buffer.append(byte)
                    }
                }
                guard let next = nextByte() else { break record }
                byte = next
            }
            fieldEnds.append(buffer.count)
            if hasContent || inQuotes { return (startLine, inQuotes) }
        }
    }
}

/// Space or tab: what a blank field holds.
private func isBlankByte(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
