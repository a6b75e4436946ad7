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
            if !program.measuredEffects.isEmpty {
                json.object("measured_effects") { effects in
                    for skill in Skill.allCases {
                        guard let effect = program.measuredEffects[skill] else { continue }
                        effects.object(dynamicName: skill.rawValue) { member in
                            member.integer("observations", effect.observations)
                            member.number("mean_effect", effect.meanEffect)
                            if !effect.partitions.isEmpty {
                                member.objects("partitions", effect.partitions.sorted { $0.key < $1.key }) { part, entry in
                                    part.integer("partition", Int(entry.key))
                                    part.integer("observations", entry.value.observations)
                                    part.number("mean_effect", entry.value.meanEffect)
                                }
                            }
                        }
                    }
                }
            }
        }
        return json.finish()
    }
}

/// A small, fast writer of one JSON object (members in the order written, nested objects and
/// arrays of objects): what the event encoder, the output events and the API's responses write
/// with.
public struct JSONWriter {
    private var bytes: [UInt8]

    public init() {
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

    public mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        quoted(value)
    }

    public mutating func strings(_ name: StaticString, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Integers without a fraction, others in Swift's shortest round-trip form; null for a
    /// value that is not finite (JSON has no NaN or infinity).
    public mutating func number(_ name: StaticString, _ value: Double) {
        key(name)
        appendNumber(value)
    }

    public mutating func number(dynamicName name: String, _ value: Double) {
        dynamicKey(name)
        appendNumber(value)
    }

    public mutating func integer(_ name: StaticString, _ value: Int) {
        key(name)
        EventTime.appendDecimal(value, minimumDigits: 1, to: &bytes)
    }

    private mutating func appendNumber(_ value: Double) {
        if !value.isFinite {
            bytes.append(contentsOf: "null".utf8)
        } else if value == value.rounded() && abs(value) < 1e15 {
            EventTime.appendDecimal(Int(value), minimumDigits: 1, to: &bytes)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// An array of objects, each written by `body`.
    public mutating func objects<Elements: Sequence>(_ name: StaticString, _ elements: Elements, _ body: (inout JSONWriter, Elements.Element) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            appendObject { body(&$0, element) }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An RFC 3339 timestamp in the sender's offset.
    public mutating func time(_ name: StaticString, _ value: EventTime) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        value.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A nested object under a literal name.
    public mutating func object(_ name: StaticString, _ body: (inout JSONWriter) -> Void) {
        key(name)
        appendObject(body)
    }

    /// A nested object under a name known only at run time (escaped as needed).
    public mutating func object(dynamicName name: String, _ body: (inout JSONWriter) -> Void) {
        dynamicKey(name)
        appendObject(body)
    }

    /// A member name known only at run time (escaped as needed).
    private mutating func dynamicKey(_ name: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func appendObject(_ body: (inout JSONWriter) -> Void) {
        var nested = JSONWriter()
        body(&nested)
        bytes.append(contentsOf: nested.finish())
    }

    public mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
