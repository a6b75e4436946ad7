import Foundation
import SkillStreamDomain
import Testing

@testable import SkillStreamBackfill

/// One file run through the reader and the mapper the way `skillstream backfill` does.
struct BackfillRun {
    /// The events of each mapped row, by the line the row starts on.
    var eventsByLine: [Int: [ContractEvent]] = [:]
    var rejections: [RowRejection] = []
    var report: BackfillReport

    /// Every event, in file order.
    var events: [ContractEvent] { eventsByLine.sorted { $0.key < $1.key }.flatMap(\.value) }

    /// The single event of the row on `line`.
    func event(onLine line: Int) throws -> ContractEvent {
        let events = try #require(eventsByLine[line], "line \(line) was not mapped")
        try #require(events.count == 1, "line \(line) gave \(events.count) events")
        return events[0]
    }

    /// The staff events of the row on `line`.
    func staffEvents(onLine line: Int) throws -> [StaffEvent] {
        let events = try #require(eventsByLine[line], "line \(line) was not mapped")
        return events.compactMap { $0.staffEvent }
    }

    /// The rejection of the row on `line`.
    func rejection(onLine line: Int) throws -> RowRejection {
        try #require(rejections.first { $0.line == line }, "line \(line) was not rejected")
    }

    /// Reads and maps `bytes` as a file of `kind`.
    init(_ bytes: [UInt8], kind: BackfillKind, configuration: BackfillConfiguration = BackfillConfiguration()) throws {
        let reader = try CSVReader(bytes)
        var mapper = try BackfillMapper(kind: kind, header: reader.header, configuration: configuration)
        for read in reader {
            let line = (try? read.get())?.line
            switch mapper.map(read) {
            case .success(let events): eventsByLine[try #require(line)] = events
            case .failure(let rejection): rejections.append(rejection)
            }
        }
        report = mapper.report
    }

    /// Reads and maps the test file `CSV/<name>.csv`.
    init(file name: String, kind: BackfillKind, configuration: BackfillConfiguration = BackfillConfiguration()) throws {
        try self.init(try csvFile(name), kind: kind, configuration: configuration)
    }
}

/// The bytes of the test file `CSV/<name>.csv`.
func csvFile(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "CSV"))
    return Array(try Data(contentsOf: url))
}

/// An instant from RFC 3339 text, for expectations.
func time(_ text: String) throws -> EventTime {
    try #require(EventTime(rfc3339: text))
}

extension ContractEvent {
    var guestFeedback: GuestFeedbackEvent? { if case .guestFeedback(let event) = self { event } else { nil } }
    var tableService: TableServiceEvent? { if case .tableService(let event) = self { event } else { nil } }
    var staffEvent: StaffEvent? { if case .staffEvent(let event) = self { event } else { nil } }
    var restaurant: RestaurantReference? { if case .restaurant(let event) = self { event } else { nil } }
}
