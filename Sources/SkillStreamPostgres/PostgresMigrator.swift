import Foundation
import Logging

/// One schema migration: a plain SQL file named `NNNN_description.sql`.
public struct PostgresMigration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a of the SQL text: detects a migration edited after it was applied.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// Applies ordered SQL migrations once each, recording them in `skillstream_schema_migrations`.
///
/// Safe to run from several processes at once: a session-level advisory lock lets one apply
/// while the others wait and then find nothing left to do. Each migration runs in its own
/// transaction together with its record. A migration file changed after it was applied is an
/// error, not silently skipped.
public struct PostgresMigrator: Sendable {
    /// The advisory lock key all SkillStream migrators share.
    static let lockKey: Int64 = 0x536b_696c_6c53_7472  // "SkillStr"

    public let migrations: [PostgresMigration]
    private let logger: Logger

    public init(migrations: [PostgresMigration], logger: Logger) throws {
        let versions = migrations.map(\.version)
        guard Set(versions).count == versions.count else {
            throw PostgresError(code: .invalidInput, message: "two migrations share a version: \(versions.sorted())")
        }
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Reads every `NNNN_name.sql` file of a directory; other files are an error, so that a
    /// misnamed migration is never silently left out.
    public static func load(directory: URL) throws -> [PostgresMigration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { fileName in
            let parts = fileName.split(separator: "_", maxSplits: 1)
            guard fileName.hasSuffix(".sql"), parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
                throw PostgresError(code: .invalidInput, message: "\(fileName) in \(directory.path) is not named NNNN_description.sql")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8)
            return PostgresMigration(version: version, name: String(parts[1].dropLast(4)), sql: sql)
        }
    }

    /// Applies the migrations not yet recorded; returns those it applied.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [PostgresMigration] {
        try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
        defer {
            do { try connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) } catch {
                logger.warning("Could not release the migration lock", metadata: ["db.error": "\(error)"])
            }
        }
        try connection.execute(
            script: """
                CREATE TABLE IF NOT EXISTS skillstream_schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        let recorded = try connection.query("SELECT version, checksum FROM skillstream_schema_migrations")
        var applied: [Int: String] = [:]
        for row in recorded { applied[try row.decode(Int.self, column: "version")] = try row.decode(String.self, column: "checksum") }
        var appliedNow: [PostgresMigration] = []
        for migration in migrations {
            if let checksum = applied[migration.version] {
                guard checksum == migration.checksum else {
                    throw PostgresError(
                        code: .invalidInput,
                        message: "migration \(migration.version)_\(migration.name) changed after it was applied; add a new migration instead")
                }
                continue
            }
            try connection.withTransaction { connection in
                try connection.execute(script: migration.sql)
                try connection.query(
                    "INSERT INTO skillstream_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum])
            }
            logger.info("Applied migration", metadata: ["db.migration": .string("\(migration.version)_\(migration.name)")])
            appliedNow.append(migration)
        }
        return appliedNow
    }
}
