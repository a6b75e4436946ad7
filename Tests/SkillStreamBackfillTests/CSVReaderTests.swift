import Testing

@testable import SkillStreamBackfill

@Suite struct CSVReaderTests {
    /// Each record as (line, fields), or the rejection's description.
    static func read(_ text: String) throws -> (header: [String], delimiter: CSVDelimiter, records: [String]) {
        try read(Array(text.utf8))
    }

    static func read(_ bytes: [UInt8]) throws -> (header: [String], delimiter: CSVDelimiter, records: [String]) {
        let reader = try CSVReader(bytes)
        let records = reader.map { read -> String in
            switch read {
            case .success(let record): "\(record.line): " + record.fields.joined(separator: "|")
            case .failure(let rejection): rejection.description
            }
        }
        return (reader.header, reader.delimiter, records)
    }

    @Test func delimiterIsDetectedFromTheHeaderLine() throws {
        #expect(try Self.read("a,b;c\n1,2;3\n").delimiter == .comma)
        #expect(try Self.read("a;b;c\n1,5;2;3\n").records == ["2: 1,5|2|3"])
        #expect(try Self.read("a\tb\tc\n1\t2\t3\n").delimiter == .tab)
        // Delimiters inside a quoted header name do not count.
        #expect(try Self.read("\"a,b,c\";d\n1;2\n").header == ["a,b,c", "d"])
        #expect(try Self.read("only\nx\n").records == ["2: x"])
    }

    @Test func quotedFieldsHoldDelimitersLineBreaksAndDoubledQuotes() throws {
        let result = try Self.read("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,row,here\n")
        #expect(result.records == ["2: x, y|say \"hi\"|two\nlines", "4: next|row|here"])
    }

    @Test func byteOrderMarkCRLFAndLoneCRAreTolerated() throws {
        let result = try Self.read([0xEF, 0xBB, 0xBF] + Array("a;b\r\n1;2\r\n3;4\r5;6".utf8))
        #expect(result.header == ["a", "b"])
        #expect(result.delimiter == .semicolon)
        #expect(result.records == ["2: 1|2", "3: 3|4", "4: 5|6"])
    }

    @Test func blankLinesAndBlankRowsAreSkippedButCountedInLineNumbers() throws {
        let text = "\n  \na,b,c\n\n1,2,3\n ,  ,\n,,\n4,5,6\n\n"
        let result = try Self.read(text)
        #expect(try CSVReader(Array(text.utf8)).headerLine == 3)
        #expect(result.header == ["a", "b", "c"])
        #expect(result.records == ["5: 1|2|3", "8: 4|5|6"])
    }

    @Test func trailingDelimitersAndShortRowsAreTolerated() throws {
        let result = try Self.read("a,b,c,\n1,2,3,\n4\n")
        #expect(result.header == ["a", "b", "c"])
        #expect(result.records == ["2: 1|2|3", "3: 4||"])
    }

    @Test func spacesBeforeAnOpeningQuoteAndTextAfterAClosingQuoteAreKept() throws {
        #expect(try Self.read("a,b\n  \"x,y\" z,w\"q\n").records == ["2: x,y z|w\"q"])
    }

    @Test func extraNonEmptyFieldsRejectTheRowAndReadingGoesOn() throws {
        let result = try Self.read("a,b\n1,2,3\n4,5\n")
        #expect(result.records == ["line 2: too_many_fields: the row has 3 fields, the header 2 columns", "3: 4|5"])
    }

    @Test func invalidUTF8InAFieldRejectsOnlyThatRecordNamingTheColumn() throws {
        let result = try Self.read(Array("name,city\n".utf8) + [0x4A, 0x6F, 0x73, 0xE9] + Array(",Lima\nAna,Cusco\n".utf8))
        #expect(result.records == ["line 2: invalid_utf8 (name): the field is not valid UTF-8", "3: Ana|Cusco"])
    }

    @Test func unterminatedQuoteIsReportedAtTheLineWhereTheRecordStarts() throws {
        let result = try Self.read("a,b\n1,2\n3,\"open\n5,6\n")
        #expect(result.records == ["2: 1|2", "line 3: unterminated_quote (b): a quoted field is never closed: it ran to the end of the file, so lines 3–4 were read as this one row; close the quote and load the file again"])
        let withoutFinalBreak = try Self.read("a,b\n1,2\n3,\"open\n5,6\n7,8")
        #expect(withoutFinalBreak.records.last?.contains("so lines 3–5 were read as this one row") == true, "\(withoutFinalBreak.records)")
    }

    @Test func fileWithoutHeaderIsAFileLevelError() {
        for text in ["", "\n\n  \r\n", ",,,\n"] {
            #expect(throws: BackfillError(.missingHeader, "the file has no header line")) { try CSVReader(Array(text.utf8)) }
        }
        #expect(throws: BackfillError(.missingHeader, "the file has no header line")) { try CSVReader([0xEF, 0xBB, 0xBF]) }
        #expect {
            try CSVReader(Array("a,\"b\n1,2\n".utf8))
        } throws: { ($0 as? BackfillError)?.code == .malformedHeader }
    }

    /// Any byte sequence works, not only an array: a file can be read in chunks.
    @Test func readsFromAnyByteSequence() throws {
        let bytes = Array("a;b\r\n\"x\r\ny\";2\r\n".utf8)
        let chunked = stride(from: 0, to: bytes.count, by: 3).lazy.flatMap { bytes[$0..<min($0 + 3, bytes.count)] }
        let reader = try CSVReader(chunked)
        #expect(reader.delimiter == .semicolon)
        #expect(reader.compactMap { try? $0.get() } == [CSVRecord(line: 2, fields: ["x\r\ny", "2"])])
    }
}
