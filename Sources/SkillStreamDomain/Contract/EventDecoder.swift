/// Turns one Kafka message value into a typed ``ContractEvent`` or a ``Rejection`` naming what
/// is wrong: the contract's JSON Schemas (Schemas/events/) made executable, in one pass over the
/// bytes and without a document tree.
public struct EventDecoder: Sendable {
    /// Messages larger than this are refused unread.
    public static let maximumMessageBytes = 64 * 1_024
    /// Longest accepted free-text comment, in characters (Unicode code points).
    public static let maximumCommentCharacters = 8 * 1_024
    /// Longest accepted wait (seated to first course): a day. Longer is a broken clock, not service.
    public static let maximumWaitSeconds = 86_400.0

    public init() {}

    /// Decodes and validates one event. `key` is the message key; when given it must equal the
    /// event's partitioning field (`program_id` for training programs, else `restaurant_id`).
    public func decode(_ bytes: [UInt8], key: String? = nil) -> Result<ContractEvent, Rejection> {
        guard bytes.count <= Self.maximumMessageBytes else {
            return .failure(Rejection(.oversize, "\(bytes.count) bytes, the limit is \(Self.maximumMessageBytes)"))
        }
        return bytes.withUnsafeBufferPointer { buffer in
            do throws(Rejection) {
                let event = try Self.decodeEvent(buffer)
                if let key {
                    let expected = event.messageKey
                    guard key == expected else {
                        throw Rejection(.keyMismatch, "message key \(key.debugDescription) is not the event's partitioning value '\(expected)'")
                    }
                }
                return .success(event)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Every field name the contract uses, as slots of one parse.
    enum Field: Int, CaseIterable {
        case schema, eventID, occurredAt, restaurantID, staffID, visitID, tableID, covers, seatedAt, waitTimeSeconds
        case itemsOrdered, itemsIncorrect, checkTotalPEN, satisfaction, complaints, comment, repeatCustomer
        case type, role, programID, assessmentScore, name, city, timezone, serviceQualityBenchmark
        case fineDiningAccreditation, targetWaitTimeSeconds, titleES, titleEN, skills, roles, durationHours, format, measuredEffects

        var name: String {
            switch self {
            case .schema: "schema"
            case .eventID: "event_id"
            case .occurredAt: "occurred_at"
            case .restaurantID: "restaurant_id"
            case .staffID: "staff_id"
            case .visitID: "visit_id"
            case .tableID: "table_id"
            case .covers: "covers"
            case .seatedAt: "seated_at"
            case .waitTimeSeconds: "wait_time_seconds"
            case .itemsOrdered: "items_ordered"
            case .itemsIncorrect: "items_incorrect"
            case .checkTotalPEN: "check_total_pen"
            case .satisfaction: "customer_satisfaction_score"
            case .complaints: "complaints"
            case .comment: "comment"
            case .repeatCustomer: "repeat_customer"
            case .type: "type"
            case .role: "role"
            case .programID: "program_id"
            case .assessmentScore: "assessment_score"
            case .name: "name"
            case .city: "city"
            case .timezone: "timezone"
            case .serviceQualityBenchmark: "service_quality_benchmark"
            case .fineDiningAccreditation: "fine_dining_accreditation"
            case .targetWaitTimeSeconds: "target_wait_time_seconds"
            case .titleES: "title_es"
            case .titleEN: "title_en"
            case .skills: "skills"
            case .roles: "roles"
            case .durationHours: "duration_hours"
            case .format: "format"
            case .measuredEffects: "measured_effects"
            }
        }

        static let byName: [String: Field] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

        /// Field names as bytes, grouped by length, for matching keys without building Strings.
        static let byLength: [[(Field, [UInt8])]] = {
            var table = [[(Field, [UInt8])]](repeating: [], count: 40)
            for field in allCases { table[field.name.utf8.count].append((field, Array(field.name.utf8))) }
            return table
        }()

        /// The field named by these bytes, if the contract knows it: candidates of the same length
        /// are told apart by their last and first bytes before the full comparison.
        static func match(_ key: UnsafeBufferPointer<UInt8>) -> Field? {
            guard key.count > 0, key.count < byLength.count else { return nil }
            let first = key[0]
            let last = key[key.count - 1]
            for (field, name) in byLength[key.count] where name[name.count - 1] == last && name[0] == first {
                var equal = true
                for offset in 1..<(key.count - 1) where name[offset] != key[offset] {
                    equal = false
                    break
                }
                if equal { return field }
            }
            return nil
        }
    }

    /// A top-level value as read; strings stay where they are in the message until needed.
    enum Value {
        case string(start: Int, end: Int, escaped: Bool)
        case number(Double, isInteger: Bool)
        case bool(Bool)
        case null
        case strings([String])
        /// An object: where it is in the message, read only by a field that takes one.
        case object(start: Int, end: Int)
        /// An array holding something other than strings.
        case other(String)
    }

    static func decodeEvent(_ bytes: UnsafeBufferPointer<UInt8>) throws(Rejection) -> ContractEvent {
        var scanner = JSONScanner(bytes)
        guard try scanner.peekKind() == .object else {
            try scanner.skipValue()  // valid JSON of another kind, or malformed
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw scanner.malformed("trailing characters") }
            throw Rejection(.notAnObject, "an event is a JSON object")
        }
        precondition(Field.allCases.count == Fields.slots, "Fields.slots must equal the number of contract fields")
        // Filled in place: the slots are never copied.
        var fields = Fields(scanner: scanner)
        try scanner.expect(UInt8(ascii: "{"))
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                let field: Field?
                if let raw = try scanner.readRawKey() {
                    field = Field.match(raw)
                } else {
                    field = Field.byName[try scanner.readString()]
                }
                try scanner.expect(UInt8(ascii: ":"))
                guard let field else {
                    try scanner.skipValue()  // fields the contract does not know are allowed and ignored
                    continue
                }
                guard fields.values[field.rawValue] == nil else { throw Rejection(.malformedJSON, field: field.name, "the field appears twice") }
                fields.values[field.rawValue] = try readValue(&scanner)
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "}"))
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.malformed("trailing characters") }
        return try fields.event()
    }

    static func readValue(_ scanner: inout JSONScanner) throws(Rejection) -> Value {
        switch try scanner.peekKind() {
        case .string:
            let (start, end, escaped) = try scanner.readStringRange()
            return .string(start: start, end: end, escaped: escaped)
        case .number:
            let (value, isInteger) = try scanner.readNumber()
            return .number(value, isInteger: isInteger)
        case .bool: return .bool(try scanner.readBool())
        case .null:
            try scanner.readNull()
            return .null
        case .object:
            let start = scanner.index
            try scanner.skipValue()
            return .object(start: start, end: scanner.index)
        case .array:
            try scanner.expect(UInt8(ascii: "["))
            var strings: [String] = []
            if scanner.consume(UInt8(ascii: "]")) { return .strings([]) }
            var allStrings = true
            repeat {
                if try scanner.peekKind() == .string {
                    strings.append(try scanner.readString())
                } else {
                    allStrings = false
                    try scanner.skipValue(depth: 1)
                }
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "]"))
            return allStrings ? .strings(strings) : .other("an array of non-strings")
        }
    }
}

/// Typed, checked access to the fields of one event.
struct Fields {
    typealias Field = EventDecoder.Field
    /// One slot per ``EventDecoder/Field`` (kept on the stack, not the heap).
    static let slots = 34
    var values = InlineArray<34, EventDecoder.Value?>(repeating: nil)
    /// The message, for the strings still in it.
    let scanner: JSONScanner

    init(scanner: JSONScanner) {
        self.scanner = scanner
    }

    /// Absent and null are the same: "not given".
    func value(_ field: Field) -> EventDecoder.Value? {
        switch values[field.rawValue] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    /// A string that must say something: empty or blank is refused (identifiers, names, times).
    func string(_ field: Field) throws(Rejection) -> String? {
        guard let text = try text(field) else { return nil }
        guard !text.isBlank else { throw Rejection(.emptyValue, field: field.name, "must not be empty") }
        return text
    }

    /// Free text of at most `maximumCharacters` (Unicode code points, as JSON Schema's
    /// `maxLength` counts them), which may be empty (the contract allows it): empty or blank is
    /// taken as not given, so a survey whose comment box was left empty keeps its score.
    func freeText(_ field: Field, maximumCharacters: Int) throws(Rejection) -> String? {
        guard let text = try text(field) else { return nil }
        // No more bytes than the limit: no more code points either (counting them is the slow path).
        if text.utf8.count > maximumCharacters, case let count = text.unicodeScalars.count, count > maximumCharacters {
            throw Rejection(.outOfRange, field: field.name, "\(count) characters, the limit is \(maximumCharacters)")
        }
        return text.isBlank ? nil : text
    }

    private func text(_ field: Field) throws(Rejection) -> String? {
        guard let value = value(field) else { return nil }
        guard case .string(let start, let end, let escaped) = value else { throw Rejection(.wrongType, field: field.name, "must be a string") }
        let text = try scanner.string(at: start, end: end, escaped: escaped)
        // Only an escape can bring one in: the scanner refuses raw control characters.
        if escaped, text.utf8.contains(0) { throw Rejection(.invalidCharacter, field: field.name, "holds U+0000 (NUL), which no text may") }
        return text
    }

    /// A field's value, which must be given.
    func required<T>(_ value: T?, _ field: Field) throws(Rejection) -> T {
        guard let value else { throw Rejection(.missingField, field: field.name, "is required") }
        return value
    }

    func time(_ field: Field) throws(Rejection) -> EventTime? {
        // Parsed straight from the message's bytes; a String is built only for the error message.
        if case .string(let start, let end, false)? = value(field), let time = EventTime.parse(UnsafeBufferPointer(rebasing: scanner.bytes[start..<end])) {
            return time
        }
        guard let text = try string(field) else { return nil }
        guard let time = EventTime(rfc3339: text) else {
            throw Rejection(.invalidTimestamp, field: field.name, "'\(text)' is not an RFC 3339 timestamp with an offset")
        }
        return time
    }

    func number(_ field: Field, in range: ClosedRange<Double>) throws(Rejection) -> Double? {
        guard let value = value(field) else { return nil }
        guard case .number(let number, _) = value else { throw Rejection(.wrongType, field: field.name, "must be a number") }
        guard range.contains(number) else {
            throw Rejection(.outOfRange, field: field.name, "\(number.isFinite ? "\(number)" : "a number this large") is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    func integer(_ field: Field, in range: ClosedRange<Int>) throws(Rejection) -> Int? {
        guard let value = value(field) else { return nil }
        guard case .number(let number, _) = value, number == number.rounded() else {
            throw Rejection(.wrongType, field: field.name, "must be an integer")
        }
        guard abs(number) < 1e15, range.contains(Int(number)) else {
            throw Rejection(.outOfRange, field: field.name, "\(abs(number) < 1e15 ? "\(Int(number))" : "an integer this large") is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(number)
    }

    func bool(_ field: Field) throws(Rejection) -> Bool? {
        guard let value = value(field) else { return nil }
        guard case .bool(let flag) = value else { throw Rejection(.wrongType, field: field.name, "must be true or false") }
        return flag
    }

    func enumeration<E: RawRepresentable>(_ field: Field, _: E.Type) throws(Rejection) -> E? where E.RawValue == String {
        guard let text = try string(field) else { return nil }
        guard let value = E(rawValue: text) else { throw Rejection(.unknownEnum, field: field.name, "'\(text)' is not a known value") }
        return value
    }

    func enumerations<E: RawRepresentable>(_ field: Field, _: E.Type) throws(Rejection) -> [E]? where E.RawValue == String {
        guard let value = value(field) else { return nil }
        guard case .strings(let texts) = value else { throw Rejection(.wrongType, field: field.name, "must be an array of strings") }
        var result: [E] = []
        for text in texts {
            guard let item = E(rawValue: text) else { throw Rejection(.unknownEnum, field: field.name, "'\(text)' is not a known value") }
            if !result.contains(where: { $0.rawValue == item.rawValue }) { result.append(item) }
        }
        return result
    }

    /// `measured_effects`: an object from skill to `{"observations": n, "mean_effect": x,
    /// "partitions": [{"partition": p, "observations": n, "mean_effect": x}, …]}` (the parts
    /// optional; their observations add up to n), only for skills in `trains`.
    func measuredEffects(trains: [Skill]) throws(Rejection) -> [Skill: MeasuredEffect] {
        let name = Field.measuredEffects.name
        guard let value = value(.measuredEffects) else { return [:] }
        guard case .object(let start, let end) = value else { throw Rejection(.wrongType, field: name, "must be an object") }
        var object = JSONScanner(UnsafeBufferPointer(rebasing: scanner.bytes[start..<end]))
        var effects: [Skill: MeasuredEffect] = [:]
        try Self.members(of: &object, field: name, what: "measured_effects") { key, object throws(Rejection) in
            guard let skill = Skill(rawValue: key) else { throw Rejection(.unknownEnum, field: name, "'\(key)' is not a known skill") }
            guard trains.contains(skill) else { throw Rejection(.inconsistent, field: name, "'\(key)' is not a skill the program trains") }
            guard effects[skill] == nil else { throw Rejection(.malformedJSON, field: name, "'\(key)' appears twice") }
            var partitions: [Int32: MeasuredEffect.Part]?
            let total = try Self.measurements(of: &object, field: name, what: key, extra: "partitions") { object throws(Rejection) in
                guard try object.peekKind() == .array else { throw Rejection(.wrongType, field: name, "\(key).partitions must be an array") }
                var parts: [Int32: MeasuredEffect.Part] = [:]
                try object.expect(UInt8(ascii: "["))
                if !object.consume(UInt8(ascii: "]")) {
                    repeat {
                        var partition: Int32?
                        let part = try Self.measurements(of: &object, field: name, what: "\(key).partitions[\(parts.count)]", extra: "partition") {
                            object throws(Rejection) in
                            partition = Int32(try Self.wholeNumber(&object, field: name, what: "\(key).partitions[\(parts.count)].partition", in: 0...1_000_000))
                        }
                        guard let partition else { throw Rejection(.missingField, field: name, "\(key).partitions[\(parts.count)].partition is required") }
                        guard parts[partition] == nil else { throw Rejection(.inconsistent, field: name, "\(key): partition \(partition) appears twice") }
                        parts[partition] = MeasuredEffect.Part(observations: part.observations, meanEffect: part.mean)
                    } while object.consume(UInt8(ascii: ","))
                    try object.expect(UInt8(ascii: "]"))
                }
                partitions = parts
            }
            if let partitions {
                guard partitions.values.map(\.observations).reduce(0, +) == total.observations else {
                    throw Rejection(.inconsistent, field: name, "\(key): the partitions' observations do not add up to \(total.observations)")
                }
                // Means written to a tenth of a point still agree.
                let sum = partitions.values.map { Double($0.observations) * $0.meanEffect }.reduce(0, +)
                guard abs(sum - Double(total.observations) * total.mean) <= 0.05 * Double(total.observations) + 1e-9 else {
                    throw Rejection(.inconsistent, field: name, "\(key): the partitions' mean effects do not make the mean effect \(total.mean)")
                }
            }
            effects[skill] = MeasuredEffect(observations: total.observations, meanEffect: total.mean, partitions: partitions ?? [:])
        }
        return effects
    }

    /// Reads an object's members, handing each key to `body` with the scanner at its value.
    private static func members(
        of object: inout JSONScanner, field: String, what: String, _ body: (String, inout JSONScanner) throws(Rejection) -> Void
    ) throws(Rejection) {
        guard try object.peekKind() == .object else { throw Rejection(.wrongType, field: field, "\(what) must be an object") }
        try object.expect(UInt8(ascii: "{"))
        if object.consume(UInt8(ascii: "}")) { return }
        repeat {
            let key = try object.readString()
            try object.expect(UInt8(ascii: ":"))
            try body(key, &object)
        } while object.consume(UInt8(ascii: ","))
        try object.expect(UInt8(ascii: "}"))
    }

    /// `{"observations": n, "mean_effect": x, …}`: n a whole number within 1…1000000, x within
    /// ±200 skill-score points (one measurement is a change less a change); `extra` is handed to
    /// `other`, and members the contract does not know are ignored, as everywhere in an event.
    private static func measurements(
        of object: inout JSONScanner, field: String, what: String, extra: String, other: (inout JSONScanner) throws(Rejection) -> Void
    ) throws(Rejection) -> (observations: Int, mean: Double) {
        var observations: Int?
        var mean: Double?
        var seen: Set<String> = []
        try members(of: &object, field: field, what: what) { member, object throws(Rejection) in
            guard seen.insert(member).inserted else { throw Rejection(.malformedJSON, field: field, "\(what).\(member) appears twice") }
            switch member {
            case "observations": observations = try wholeNumber(&object, field: field, what: "\(what).observations", in: 1...1_000_000)
            case "mean_effect":
                guard try object.peekKind() == .number else { throw Rejection(.wrongType, field: field, "\(what).mean_effect must be a number") }
                let value = try object.readNumber().value
                guard (-200...200).contains(value) else { throw Rejection(.outOfRange, field: field, "\(what).mean_effect is outside -200…200") }
                mean = value
            case extra: try other(&object)
            default: try object.skipValue()
            }
        }
        guard let observations else { throw Rejection(.missingField, field: field, "\(what).observations is required") }
        guard let mean else { throw Rejection(.missingField, field: field, "\(what).mean_effect is required") }
        return (observations, mean)
    }

    private static func wholeNumber(_ object: inout JSONScanner, field: String, what: String, in range: ClosedRange<Int>) throws(Rejection) -> Int {
        guard try object.peekKind() == .number, case let value = try object.readNumber().value, value == value.rounded() else {
            throw Rejection(.wrongType, field: field, "\(what) must be an integer")
        }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw Rejection(.outOfRange, field: field, "\(what) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(value)
    }

    func event() throws(Rejection) -> ContractEvent {
        let schemaName = try required(string(.schema), .schema)
        guard let schema = EventSchema(rawValue: schemaName) else {
            throw Rejection(.unknownSchema, field: "schema", "'\(schemaName)' is not a v1 contract event")
        }
        let header = EventHeader(
            eventID: try required(string(.eventID), .eventID), occurredAt: try required(time(.occurredAt), .occurredAt),
            restaurantID: try required(string(.restaurantID), .restaurantID))
        switch schema {
        case .tableService:
            let ordered = try required(integer(.itemsOrdered, in: 0...10_000), .itemsOrdered)
            let incorrect = try required(integer(.itemsIncorrect, in: 0...10_000), .itemsIncorrect)
            guard incorrect <= ordered else {
                throw Rejection(.inconsistent, field: "items_incorrect", "\(incorrect) incorrect of \(ordered) ordered")
            }
            let seatedAt = try required(time(.seatedAt), .seatedAt)
            guard seatedAt <= header.occurredAt else {
                throw Rejection(.inconsistent, field: "seated_at", "seated after the check closed")
            }
            let event = TableServiceEvent(
                header: header, staffID: try required(string(.staffID), .staffID), visitID: try required(string(.visitID), .visitID),
                tableID: try required(string(.tableID), .tableID), covers: try required(integer(.covers, in: 1...1_000), .covers),
                seatedAt: seatedAt, waitTimeSeconds: try required(number(.waitTimeSeconds, in: 0...EventDecoder.maximumWaitSeconds), .waitTimeSeconds),
                itemsOrdered: ordered, itemsIncorrect: incorrect, checkTotalPEN: try number(.checkTotalPEN, in: 0...10_000_000))
            return .tableService(event)
        case .guestFeedback:
            let comment = try freeText(.comment, maximumCharacters: EventDecoder.maximumCommentCharacters)
            return .guestFeedback(
                GuestFeedbackEvent(
                    header: header, staffID: try required(string(.staffID), .staffID), visitID: try string(.visitID),
                    satisfaction: try integer(.satisfaction, in: 1...5), complaints: try enumerations(.complaints, ComplaintCategory.self),
                    comment: comment, repeatCustomer: try bool(.repeatCustomer)))
        case .staffEvent:
            let type = try required(enumeration(.type, StaffEventType.self), .type)
            let role = try enumeration(.role, Role.self)
            let programID = try string(.programID)
            switch type {
            case .hired, .roleChanged:
                guard role != nil else { throw Rejection(.missingField, field: "role", "is required for \(type.rawValue)") }
            case .trainingEnrolled, .trainingCompleted:
                guard programID != nil else { throw Rejection(.missingField, field: "program_id", "is required for \(type.rawValue)") }
            case .terminated:
                break
            }
            return .staffEvent(
                StaffEvent(
                    header: header, staffID: try required(string(.staffID), .staffID), type: type, role: role, programID: programID,
                    assessmentScore: try number(.assessmentScore, in: 0...100)))
        case .restaurant:
            return .restaurant(
                RestaurantReference(
                    header: header, name: try required(string(.name), .name), city: try required(string(.city), .city),
                    timezone: try required(string(.timezone), .timezone),
                    serviceQualityBenchmark: try required(number(.serviceQualityBenchmark, in: 0...100), .serviceQualityBenchmark),
                    fineDiningAccreditation: try required(bool(.fineDiningAccreditation), .fineDiningAccreditation),
                    targetWaitTimeSeconds: try required(number(.targetWaitTimeSeconds, in: 1...EventDecoder.maximumWaitSeconds), .targetWaitTimeSeconds)))
        case .trainingProgram:
            let skills = try required(enumerations(.skills, Skill.self), .skills)
            let roles = try required(enumerations(.roles, Role.self), .roles)
            guard !skills.isEmpty else { throw Rejection(.emptyValue, field: "skills", "a program trains at least one skill") }
            guard !roles.isEmpty else { throw Rejection(.emptyValue, field: "roles", "a program is for at least one role") }
            return .trainingProgram(
                TrainingProgramReference(
                    header: header, programID: try required(string(.programID), .programID), titleES: try required(string(.titleES), .titleES),
                    titleEN: try required(string(.titleEN), .titleEN), skills: skills, roles: roles,
                    durationHours: try required(number(.durationHours, in: 0.25...1_000), .durationHours),
                    format: try required(enumeration(.format, TrainingFormat.self), .format), measuredEffects: try measuredEffects(trains: skills)))
        }
    }
}

extension String {
    /// Nothing but white space (or nothing at all): Unicode's, so that no-break and ideographic
    /// spaces are blank too, as the schemas' `\S` patterns say. ASCII is decided byte by byte.
    fileprivate var isBlank: Bool {
        for byte in utf8 {
            if byte >= 0x80 { return unicodeScalars.allSatisfy(\.properties.isWhitespace) }
            if byte != 0x20 && !(0x09...0x0D).contains(byte) { return false }
        }
        return true
    }
}
