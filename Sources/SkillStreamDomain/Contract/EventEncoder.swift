/// Writes contract events as the JSON the contract specifies (one object, fields in a fixed
/// order, absent optionals left out): what the simulator, replay and tests publish.
public enum EventEncoder {
    public static func encode(_ event: ContractEvent) -> [UInt8] {
        var json = JSONWriter()
        json.string("schema", event.schema.rawValue)
        let header = event.header
        json.string("event_id", header.eventID)
        json.time("occurred_at", header.occurredAt)
        json.string("restaurant_id", header.restaurantID)
        switch event {
        case .tableService(let visit):
            json.string("staff_id", visit.staffID)
            json.string("visit_id", visit.visitID)
            json.string("table_id", visit.tableID)
            json.number("covers", Double(visit.covers))
            json.time("seated_at", visit.seatedAt)
            json.number("wait_time_seconds", visit.waitTimeSeconds)
            json.number("items_ordered", Double(visit.itemsOrdered))
            json.number("items_incorrect", Double(visit.itemsIncorrect))
            if let total = visit.checkTotalPEN { json.number("check_total_pen", total) }
        case .guestFeedback(let feedback):
            json.string("staff_id", feedback.staffID)
            if let visitID = feedback.visitID { json.string("visit_id", visitID) }
            if let score = feedback.satisfaction { json.number("customer_satisfaction_score", Double(score)) }
            if let complaints = feedback.complaints { json.strings("complaints", complaints.map(\.rawValue)) }
            if let comment = feedback.comment { json.string("comment", comment) }
            if let repeatCustomer = feedback.repeatCustomer { json.bool("repeat_customer", repeatCustomer) }
        case .staffEvent(let staffEvent):
            json.string("staff_id", staffEvent.staffID)
            json.string("type", staffEvent.type.rawValue)
            if let role = staffEvent.role { json.string("role", role.rawValue) }
            if let program = staffEvent.programID { json.string("program_id", program) }
            if let score = staffEvent.assessmentScore { json.number("assessment_score", score) }
        case .restaurant(let reference):
            json.string("name", reference.name)
            json.string("city", reference.city)
            json.string("timezone", reference.timezone)
            json.number("service_quality_benchmark", reference.serviceQualityBenchmark)
            json.bool("fine_dining_accreditation", reference.fineDiningAccreditation)
            json.number("target_wait_time_seconds", reference.targetWaitTimeSeconds)
        case .trainingProgram(let program):
            json.string("program_id", program.programID)
            json.string("title_es", program.titleES)
            json.string("title_en", program.titleEN)
            json.strings("skills", program.skills.map(\.rawValue))
            json.strings("roles", program.roles.map(\.rawValue))
            json.number("duration_hours", program.durationHours)
            json.string("format", program.format.rawValue)
        }
        return json.finish()
    }
}

/// A minimal writer of one flat JSON object.
struct JSONWriter {
    private var bytes: [UInt8]

    init() {
        bytes = []
        bytes.reserveCapacity(512)
        bytes.append(UInt8(ascii: "{"))
    }

    /// A member name: the contract's names are literals that need no escaping.
    private mutating func key(_ name: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func quoted(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            // Most text needs no escape: copied in one go.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 { escape(byte) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case ..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        default: bytes.append(byte)
        }
    }

    mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        quoted(value)
    }

    mutating func strings(_ name: StaticString, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Integers without a fraction, others in Swift's shortest round-trip form.
    mutating func number(_ name: StaticString, _ value: Double) {
        key(name)
        if value == value.rounded() && abs(value) < 1e15 {
            EventTime.appendDecimal(Int(value), minimumDigits: 1, to: &bytes)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// An RFC 3339 timestamp in the sender's offset.
    mutating func time(_ name: StaticString, _ value: EventTime) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        value.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A nested object under a literal name.
    mutating func object(_ name: StaticString, _ body: (inout JSONWriter) -> Void) {
        key(name)
        appendObject(body)
    }

    /// A nested object under a name known only at run time (escaped as needed).
    mutating func object(dynamicName name: String, _ body: (inout JSONWriter) -> Void) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
        appendObject(body)
    }

    private mutating func appendObject(_ body: (inout JSONWriter) -> Void) {
        var nested = JSONWriter()
        body(&nested)
        bytes.append(contentsOf: nested.finish())
    }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
