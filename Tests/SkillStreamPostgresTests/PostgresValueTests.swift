import Foundation
import Testing

@testable import SkillStreamPostgres

@Suite struct PostgresValueTests {
    @Test func copyTextFormatEscapesSeparatorsBackslashesAndNull() {
        var buffer: [UInt8] = []
        PostgresCopyEncoding.appendRow([.text("a\tb"), .null, .text("line\nnext\\end\r"), .bytes([0x00, 0xff])], to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "a\\tb\t\\N\tline\\nnext\\\\end\\r\t\\\\x00ff\n")
    }

    @Test func byteaHexOutputDecodesAndRejectsGarbage() {
        #expect([UInt8](postgresText: "\\x00ff10") == [0x00, 0xff, 0x10])
        #expect([UInt8](postgresText: "\\x") == [])
        #expect([UInt8](postgresText: "00ff") == nil)
        #expect([UInt8](postgresText: "\\x0g") == nil)
    }

    @Test func numbersAndBooleansRoundTripThroughTheirTextForm() throws {
        for value in [0.1, -2.5e-300, 1e300, .infinity, -.infinity] {
            guard case .text(let text) = value.postgresValue else { Issue.record("not text"); continue }
            #expect(Double(postgresText: text) == value)
        }
        guard case .text(let nan) = Double.nan.postgresValue else { Issue.record("not text"); return }
        #expect(try #require(Double(postgresText: nan)).isNaN)
        #expect(Bool(postgresText: "t") == true && Bool(postgresText: "f") == false && Bool(postgresText: "yes") == nil)
        #expect(Int64.max.postgresValue == .text("9223372036854775807"))
        #expect((nil as Int?).postgresValue == .null)
    }

    @Test func identifiersAreQuotedWithEmbeddedQuotesDoubled() {
        #expect(PostgresConnection.quoteIdentifier("staff") == "\"staff\"")
        #expect(PostgresConnection.quoteIdentifier("a\"b") == "\"a\"\"b\"")
        #expect(PostgresConnection.quoteQualifiedName("public.staff") == "\"public\".\"staff\"")
    }
}

@Suite struct PostgresErrorTests {
    @Test func connectionSerializationDeadlockAndShutdownErrorsAreRetriable() {
        for state in ["08006", "08001", "40001", "40P01", "57P01", "53300"] {
            #expect(PostgresError(code: .server, sqlState: state, message: "").isRetriable, "\(state)")
        }
        #expect(PostgresError(code: .connectionLost, message: "").isRetriable)
    }

    @Test func constraintAndSyntaxErrorsAreFatal() {
        for state in ["23505", "23503", "42601", "42P01", "22P02"] {
            #expect(!PostgresError(code: .server, sqlState: state, message: "").isRetriable, "\(state)")
        }
        #expect(PostgresError(code: .server, sqlState: "23505", message: "").isUniqueViolation)
    }

    @Test func descriptionLeavesOutTheServerMessageWhichMayQuoteData() {
        let error = PostgresError(code: .server, sqlState: "23505", message: "Key (email)=(ana@example.pe) already exists.")
        #expect(!error.description.contains("ana@example.pe"))
        #expect(error.description.contains("23505"))
        #expect(error.debugDescription.contains("ana@example.pe"))
    }
}

@Suite struct PostgresMigrationFileTests {
    /// A temporary directory holding `files`, for the duration of `body`.
    func withDirectory(holding files: [String: String], _ body: (URL) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        for (name, sql) in files { try sql.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try body(url)
    }

    @Test func migrationsLoadInVersionOrder() throws {
        try withDirectory(holding: ["0002_b.sql": "SELECT 2;", "0001_a.sql": "SELECT 1;"]) { url in
            let migrations = try PostgresMigrator.load(directory: url)
            #expect(migrations.map(\.version) == [1, 2])
            #expect(migrations.map(\.name) == ["a", "b"])
        }
    }

    @Test func misnamedFileIsRejectedNotSkipped() throws {
        try withDirectory(holding: ["0001_a.sql": "SELECT 1;", "notes.txt": "x"]) { url in
            #expect(throws: PostgresError.self) { try PostgresMigrator.load(directory: url) }
        }
    }

    @Test func duplicateVersionsAreRejected() {
        let migrations = [PostgresMigration(version: 1, name: "a", sql: ""), PostgresMigration(version: 1, name: "b", sql: "")]
        #expect(throws: PostgresError.self) { try PostgresMigrator(migrations: migrations, logger: .init(label: "t")) }
    }

    @Test func checksumChangesWithTheSQLText() {
        let original = PostgresMigration(version: 1, name: "a", sql: "CREATE TABLE a (id int);")
        var edited = original
        edited.sql += " "
        #expect(original.checksum == PostgresMigration(version: 1, name: "a", sql: "CREATE TABLE a (id int);").checksum)
        #expect(original.checksum != edited.checksum)
    }

    /// The repository's own migrations load (names, order) so a bad file fails here, not at deploy.
    @Test func repositoryMigrationsLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let migrations = try PostgresMigrator.load(directory: root.appendingPathComponent("Schemas/postgres"))
        #expect(!migrations.isEmpty)
        #expect(migrations.map(\.version) == Array(1...migrations.count))
    }
}
