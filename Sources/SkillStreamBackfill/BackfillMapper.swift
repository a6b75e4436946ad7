import SkillStreamDomain

/// Maps the records of one spreadsheet export to contract events, row by row, and keeps the
/// ``BackfillReport`` of the file up to date as it goes.
///
/// Use one mapper per file, from one task: create it with the reader's header (which checks the
/// columns), pass every record the ``CSVReader`` yields to ``map(_:)`` in file order, publish the
/// events of each mapped row, and read ``report`` at the end. Memory grows only with the number
/// of distinct rows (one 64-bit hash and a count each, for the ids of repeated rows) and of
/// restaurants.
///
/// Every event is encoded with ``SkillStreamDomain/EventEncoder`` and decoded again with
/// ``SkillStreamDomain/EventDecoder`` under its message key before it is returned, so what the
/// mapper returns is contract-valid; a row whose event the decoder refuses is rejected with the
/// decoder's reason code. Schemas/backfill/README.md documents the mapping.
public struct BackfillMapper: Sendable {
    public let kind: BackfillKind
    public let configuration: BackfillConfiguration
    /// The summary of the rows mapped so far.
    public private(set) var report: BackfillReport
    let layout: ColumnLayout
    let complaints = ComplaintVocabulary()
    /// The last restaurant reference sent per restaurant, to send the next only on a change.
    private(set) var restaurants: [String: RestaurantReference] = [:]
    /// How often each row content has been seen (by hash), to tell identical rows apart.
    private var occurrences: [UInt64: Int] = [:]
    private var newestEventTime = Int64.min

    /// A mapper for a file of `kind` whose header is `header` (``CSVReader/header``).
    ///
    /// - Throws: ``BackfillError`` `invalid_configuration`, `ambiguous_columns` or
    ///   `missing_columns`.
    public init(kind: BackfillKind, header: [String], configuration: BackfillConfiguration = BackfillConfiguration()) throws(BackfillError) {
        try configuration.validate()
        layout = try ColumnLayout(header: header, kind: kind, configuration: configuration)
        self.kind = kind
        self.configuration = configuration
        report = BackfillReport(kind: kind, ignoredColumns: layout.ignored)
    }

    /// Maps one record, or counts the reader's rejection of it: the row's events in the order
    /// to publish them, or why the row is rejected. Either way the row is counted in ``report``.
    public mutating func map(_ read: Result<CSVRecord, RowRejection>) -> Result<[ContractEvent], RowRejection> {
        report.rowsRead += 1
        let result: Result<[ContractEvent], RowRejection>
        do throws(RowRejection) {
            result = .success(try events(of: read.get()))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let events):
            report.rowsMapped += 1
            for event in events { report.eventsByTopic[event.schema.topic, default: 0] += 1 }
            if let time = events.first?.header.occurredAt.millisecondsSinceEpoch {
                if time < newestEventTime { report.rowsOutOfDateOrder += 1 }
                newestEventTime = max(newestEventTime, time)
            }
        case .failure(let rejection):
            report.rejectedByReason[rejection.reason, default: 0] += 1
        }
        return result
    }

    /// What every event of a row shares.
    struct RowIdentity {
        /// `backfill-<kind>-<16 hex digits>`, then `-<n>` for the n-th identical row.
        let eventID: String
        let restaurantID: String
        let staffID: String
        /// The row's date.
        let occurredAt: EventTime

        /// The header of the row's event whose id ends in `suffix`, at `time` (the row's date
        /// unless given).
        func header(_ suffix: String = "", at time: EventTime? = nil) -> EventHeader {
            EventHeader(eventID: eventID + suffix, occurredAt: time ?? occurredAt, restaurantID: restaurantID)
        }
    }

    private mutating func events(of record: CSVRecord) throws(RowRejection) -> [ContractEvent] {
        let row = BackfillRow(record: record, layout: layout, configuration: configuration)
        let restaurantID = try row.restaurantID()
        let identity = RowIdentity(
            eventID: nextEventID(row, restaurantID: restaurantID), restaurantID: restaurantID,
            staffID: try row.required(.staffID, row.text(.staffID)), occurredAt: try row.required(.date, row.time(.date)))
        let events: [ContractEvent]
        switch kind {
        case .feedback: events = [.guestFeedback(try feedback(row, identity))]
        case .staffPerformance: events = try staffPerformance(row, identity)
        case .training: events = try training(row, identity)
        }
        let valid = try events.map { event throws(RowRejection) in try validated(event, line: record.line) }
        for case .restaurant(let reference) in valid { restaurants[reference.header.restaurantID] = reference }
        return valid
    }

    /// The id of the row's events: FNV-1a over the kind, the restaurant and the mapped cells
    /// (trimmed, by canonical column name, so neither column order nor unknown columns nor the
    /// header's spelling change it), numbered from the second identical row on.
    private mutating func nextEventID(_ row: BackfillRow, restaurantID: String) -> String {
        var hash = FNV1a.hash(kind.rawValue)
        hash = FNV1a.hash("\u{1E}restaurant\u{1F}\(restaurantID)", seed: hash)
        for column in layout.mappedColumns where column != .restaurantID {
            hash = FNV1a.hash("\u{1E}\(column.rawValue)\u{1F}\(row.text(column) ?? "")", seed: hash)
        }
        let occurrence = occurrences[hash, default: 0] + 1
        occurrences[hash] = occurrence
        let hex = String(hash, radix: 16)
        return "backfill-\(kind.rawValue)-" + String(repeating: "0", count: 16 - hex.count) + hex + (occurrence > 1 ? "-\(occurrence)" : "")
    }

    /// The event as consumers will decode it, or the decoder's rejection of it.
    private func validated(_ event: ContractEvent, line: Int) throws(RowRejection) -> ContractEvent {
        switch EventDecoder().decode(EventEncoder.encode(event), key: event.messageKey) {
        case .success(let decoded):
            return decoded
        case .failure(let rejection):
            throw RowRejection(
                line: line, reason: RowRejection.Reason(rejection.reason), column: nil, "the contract refuses the \(event.schema.rawValue) event: \(rejection)")
        }
    }
}
