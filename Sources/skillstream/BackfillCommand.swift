import ArgumentParser
import Foundation
import Logging
import SkillStreamBackfill
import SkillStreamDomain
import SkillStreamPublishing

/// `skillstream backfill`: a spreadsheet export (CSV) mapped to contract events and published,
/// row by row; a row that cannot be mapped is reported with its line and reason, the rest go on.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Publish a restaurant's history from a CSV export (feedback, staff performance or training) as contract events.",
        discussion: """
            Columns are matched by name whatever their case, spacing or accents (Spanish and English names accepted); \
            the mapping, value formats and reason codes are in Schemas/backfill/README.md. Rejected rows are listed on \
            stderr (and with --rejected, written as CSV); a summary says how many rows went where. Exit status 0 even \
            when some rows were rejected, unless --strict.
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case feedback
        case staffPerformance = "staff-performance"
        case training

        var backfillKind: BackfillKind {
            switch self {
            case .feedback: .feedback
            case .staffPerformance: .staffPerformance
            case .training: .training
            }
        }
    }

    @Option(help: "The CSV export (comma, semicolon or tab separated; UTF-8).") var csv: String
    @Option(help: "What the file holds: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: Kind
    @OptionGroup var output: OutputOptions
    @Option(help: "UTC offset of the file's dates, ±HH:MM (Peru: -05:00).") var utcOffset = "-05:00"
    @Option(help: "Local time given to rows that have a date only, HH:MM.") var defaultTime = "20:00"
    @Option(help: "IANA time zone written in restaurant reference events.") var timezone = "America/Lima"
    @Option(help: "City for restaurants whose rows name none.") var defaultCity = "Lima"
    @Option(help: "Restaurant id for files without a restaurant column.") var restaurant: String?
    @Option(help: "Also write the rejected rows to this CSV file (line, reason, column, message).") var rejected: String?
    @Flag(help: "Map and report without publishing anything.") var dryRun = false
    @Flag(help: "Exit with status 1 when any row was rejected.") var strict = false

    func configurationForMapper() throws -> BackfillConfiguration {
        var configuration = BackfillConfiguration()
        guard let offset = Self.minutes(utcOffset, signed: true), (-14 * 60...14 * 60).contains(offset) else {
            throw ValidationError("--utc-offset must be ±HH:MM, got '\(utcOffset)'.")
        }
        guard let time = Self.minutes(defaultTime, signed: false), (0..<24 * 60).contains(time) else {
            throw ValidationError("--default-time must be HH:MM, got '\(defaultTime)'.")
        }
        configuration.utcOffsetMinutes = offset
        configuration.defaultLocalTimeMinutes = time
        configuration.timezone = timezone
        configuration.defaultCity = defaultCity
        configuration.defaultRestaurantID = restaurant
        return configuration
    }

    /// Minutes of `HH:MM`, or of `±HH:MM` when signed.
    static func minutes(_ text: String, signed: Bool) -> Int? {
        var body = Substring(text)
        var sign = 1
        if signed {
            guard let first = body.first, first == "+" || first == "-" else { return nil }
            sign = first == "-" ? -1 : 1
            body = body.dropFirst()
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hours = Int(parts[0]), let minutes = Int(parts[1]), minutes < 60 else {
            return nil
        }
        return sign * (hours * 60 + minutes)
    }

    func run() async throws {
        var logger = Logger(label: "skillstream.backfill")
        logger.logLevel = .warning
        let configuration = try configurationForMapper()
        guard let file = FileHandle(forReadingAtPath: csv) else { throw ValidationError("Cannot read \(csv).") }
        // Read in chunks: exports can be large, and rows are mapped and published as they come.
        var reader = try CSVReader(FileBytes(file))
        var mapper = try BackfillMapper(kind: kind.backfillKind, header: reader.header, configuration: configuration)
        let sink = dryRun ? nil : try await output.makeSink(logger: logger)
        let rejectedFile = try rejected.map(Self.rejectionsFile)
        var rejections = 0
        while let read = reader.next() {
            switch mapper.map(read) {
            case .success(let events):
                for event in events {
                    try await sink?.write(OutgoingRecord(topic: event.schema.topic, key: event.messageKey, value: EventEncoder.encode(event)))
                }
            case .failure(let rejection):
                rejections += 1
                if rejections <= 50 { FileHandle.standardError.write(Data("\(rejection)\n".utf8)) }
                rejectedFile?.write(Data(Self.csvLine(rejection).utf8))
            }
        }
        try await sink?.flush()
        try rejectedFile?.close()
        if rejections > 50 { FileHandle.standardError.write(Data("… and \(rejections - 50) more rejected rows\n".utf8)) }
        print(mapper.report)
        if let sink {
            print("Published:\n" + topicTable(sink.recordsPerTopic))
        } else {
            print("Dry run: nothing published.")
        }
        if strict && rejections > 0 { throw ExitCode(1) }
    }

    /// A new CSV file for rejected rows, with its header line written.
    static func rejectionsFile(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: Data("line,reason,column,message\n".utf8)),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw ValidationError("Cannot write \(path).") }
        handle.seekToEndOfFile()
        return handle
    }

    /// One rejected row as a CSV line: line, reason, column, message.
    static func csvLine(_ rejection: RowRejection) -> String {
        func field(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return "\(rejection.line),\(rejection.reason.rawValue),\(field(rejection.column ?? "")),\(field(rejection.message))\n"
    }
}

/// A file's bytes in order, read in 64 KiB chunks as they are needed.
struct FileBytes: Sequence, IteratorProtocol {
    private let file: FileHandle
    private var chunk: [UInt8] = []
    private var position = 0

    init(_ file: FileHandle) { self.file = file }

    mutating func next() -> UInt8? {
        if position == chunk.count {
            chunk = Array(file.readData(ofLength: 64 * 1_024))
            position = 0
            if chunk.isEmpty { return nil }
        }
        position += 1
        return chunk[position - 1]
    }
}
