import Foundation
import Testing

@testable import SkillStreamDomain

@Suite struct EventDecoderTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/examples")

    static func files(_ folder: String) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: examples.appendingPathComponent(folder), includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }

    @Test func everyValidInputEventExampleDecodes() throws {
        // The output examples (gap alerts, recommendations) are SkillStream's to write, not to decode.
        let files = Self.files("valid").filter { file in EventSchema.allCases.contains { file.lastPathComponent.hasPrefix($0.rawValue + ".") } }
        #expect(files.count >= 7)
        for file in files {
            let result = EventDecoder().decode(Array(try Data(contentsOf: file)))
            if case .failure(let rejection) = result { Issue.record("\(file.lastPathComponent): \(rejection)") }
        }
    }

    /// Each invalid example names its expected reason code: `<what>.<reason>.json`.
    @Test func everyInvalidContractExampleIsRejectedForItsReason() throws {
        let files = Self.files("invalid")
        #expect(files.count >= 15)
        for file in files {
            let expected = file.deletingPathExtension().pathExtension
            switch EventDecoder().decode(Array(try Data(contentsOf: file))) {
            case .success: Issue.record("\(file.lastPathComponent) was accepted")
            case .failure(let rejection): #expect(rejection.reason.rawValue == expected, "\(file.lastPathComponent): \(rejection)")
            }
        }
    }

    @Test func tableServiceFieldsAreTypedAndTimestampsCarryTheirOffset() throws {
        let json = """
            {"schema":"pos.table_service.v1","event_id":"e1","occurred_at":"2026-03-14T21:42:10.250-05:00","restaurant_id":"lim-01",
             "staff_id":"s7","visit_id":"v1","table_id":"T12","covers":4,"seated_at":"2026-03-14T20:15:00-05:00",
             "wait_time_seconds":780.5,"items_ordered":10,"items_incorrect":1,"unknown_future_field":{"a":[1,2]}}
            """
        guard case .success(.tableService(let event)) = EventDecoder().decode(Array(json.utf8), key: "lim-01") else {
            Issue.record("not decoded")
            return
        }
        #expect(event.covers == 4 && event.waitTimeSeconds == 780.5 && event.checkTotalPEN == nil)
        #expect(event.orderAccuracy == 0.9)
        #expect(event.header.occurredAt.millisecondsSinceEpoch == 1_773_542_530_250)  // 2026-03-15T02:42:10.250Z
        #expect(event.header.occurredAt.offsetMinutes == -300)
        #expect(event.header.occurredAt.description == "2026-03-14T21:42:10.250-05:00")
    }

    @Test func escapesAndUnicodeInStringsDecode() throws {
        let json = #"{"schema":"survey.guest_feedback.v1","event_id":"e\"2","occurred_at":"2026-03-15T09:12:00Z","restaurant_id":"r","staff_id":"s","comment":"Caf\u00e9 \ud83c\udf77 \n ñandú","customer_satisfaction_score":null}"#
        guard case .success(.guestFeedback(let event)) = EventDecoder().decode(Array(json.utf8)) else {
            Issue.record("not decoded")
            return
        }
        #expect(event.header.eventID == "e\"2")
        #expect(event.comment == "Café 🍷 \n ñandú")
        #expect(event.satisfaction == nil)
    }

    @Test func aBlankCommentIsNoCommentAndTheSurveyKeepsItsScore() throws {
        for comment in [#""""#, #"" \n\t ""#] {
            let json = #"{"schema":"survey.guest_feedback.v1","event_id":"e3","occurred_at":"2026-03-15T09:12:00Z","restaurant_id":"r","staff_id":"s","#
                + #""customer_satisfaction_score":5,"comment":"# + comment + "}"
            guard case .success(.guestFeedback(let event)) = EventDecoder().decode(Array(json.utf8)) else {
                Issue.record("refused: \(json)")
                continue
            }
            #expect(event.comment == nil)
            #expect(event.satisfaction == 5)
        }
        let longBlank = #"{"schema":"survey.guest_feedback.v1","event_id":"e5","occurred_at":"2026-03-15T09:12:00Z","restaurant_id":"r","staff_id":"s","comment":""#
            + String(repeating: " ", count: EventDecoder.maximumCommentCharacters + 1) + #""}"#
        #expect((try? EventDecoder().decode(Array(longBlank.utf8)).get()) == nil, "the length limit holds for blanks too")
        let blankStaff = #"{"schema":"survey.guest_feedback.v1","event_id":"e4","occurred_at":"2026-03-15T09:12:00Z","restaurant_id":"r","staff_id":" "}"#
        #expect(EventDecoder().decode(Array(blankStaff.utf8)) == .failure(Rejection(.emptyValue, field: "staff_id", "must not be empty")))
    }

    @Test func malformedInputOfEveryKindIsRejectedWithItsCode() {
        let cases: [(String, [UInt8], Rejection.Reason)] = [
            ("empty", [], .malformedJSON),
            ("garbage", Array("not json".utf8), .malformedJSON),
            ("trailing", Array(#"{"schema":"x"} {}"#.utf8), .malformedJSON),
            ("duplicate key", Array(#"{"schema":"a","schema":"b"}"#.utf8), .malformedJSON),
            ("lone surrogate", Array(#"{"schema":"\ud800"}"#.utf8), .malformedJSON),
            ("invalid utf-8", [0x7B, 0x22, 0x73, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], .invalidUTF8),
            ("number", Array("42".utf8), .notAnObject),
            ("no schema", Array(#"{"event_id":"e"}"#.utf8), .missingField),
            ("deep nesting", Array(("{\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}").utf8), .malformedJSON),
            ("oversize", [UInt8](repeating: 0x20, count: EventDecoder.maximumMessageBytes + 1), .oversize),
        ]
        for (name, bytes, expected) in cases {
            guard case .failure(let rejection) = EventDecoder().decode(bytes) else {
                Issue.record("\(name) was accepted")
                continue
            }
            #expect(rejection.reason == expected, "\(name): \(rejection)")
        }
    }

    @Test func messageKeyMustMatchThePartitioningField() throws {
        let file = Self.examples.appendingPathComponent("valid/pos.table_service.v1.json")
        let bytes = Array(try Data(contentsOf: file))
        guard case .failure(let rejection) = EventDecoder().decode(bytes, key: "cus-02") else {
            Issue.record("a key for another restaurant was accepted")
            return
        }
        #expect(rejection.reason == .keyMismatch)
        let program = Array(try Data(contentsOf: Self.examples.appendingPathComponent("valid/ref.training_program.v1.json")))
        #expect((try? EventDecoder().decode(program, key: "prg-timing-01").get()) != nil)
    }

    /// A program's measured effects (what `share-program-effects` publishes) decode, encode back
    /// to the same event, and each malformed part is refused with its own reason and words.
    @Test func measuredEffectsOfAProgramDecodeEncodeBackAndAreCheckedPartByPart() throws {
        let file = Self.examples.appendingPathComponent("valid/ref.training_program.v1.measured_effects.json")
        guard case .success(.trainingProgram(let program)) = EventDecoder().decode(Array(try Data(contentsOf: file))) else {
            Issue.record("not decoded")
            return
        }
        #expect(
            program.measuredEffects == [
                .timeliness: MeasuredEffect(observations: 14, meanEffect: 11.8, partitions: [0: .init(observations: 9, meanEffect: 13.4), 3: .init(observations: 5, meanEffect: 8.92)])
            ])
        let again = try EventDecoder().decode(EventEncoder.encode(.trainingProgram(program))).get()
        #expect(again == .trainingProgram(program))
        let plain = Array(try Data(contentsOf: Self.examples.appendingPathComponent("valid/ref.training_program.v1.json")))
        guard case .success(.trainingProgram(let without)) = EventDecoder().decode(plain) else {
            Issue.record("the example without measured effects was not decoded")
            return
        }
        #expect(without.measuredEffects.isEmpty && !String(decoding: EventEncoder.encode(.trainingProgram(without)), as: UTF8.self).contains("measured_effects"))
        let template = String(decoding: plain, as: UTF8.self).replacingOccurrences(of: #""format": "in_person""#, with: #""format": "in_person", "measured_effects": EFFECTS"#)
        let cases: [(String, Rejection.Reason, String)] = [
            (#"[1]"#, .wrongType, "must be an object"),
            (#"{"timeliness": 3}"#, .wrongType, "timeliness must be an object"),
            (#"{"speed": {"observations": 3, "mean_effect": 1}}"#, .unknownEnum, "'speed' is not a known skill"),
            (#"{"guest_rapport": {"observations": 3, "mean_effect": 1}}"#, .inconsistent, "not a skill the program trains"),
            (#"{"timeliness": {"observations": 2.5, "mean_effect": 1}}"#, .wrongType, "timeliness.observations must be an integer"),
            (#"{"timeliness": {"observations": 0, "mean_effect": 1}}"#, .outOfRange, "timeliness.observations is outside 1…1000000"),
            (#"{"timeliness": {"observations": 3, "mean_effect": -201}}"#, .outOfRange, "timeliness.mean_effect is outside"),
            (#"{"timeliness": {"observations": 3, "mean_effect": "1"}}"#, .wrongType, "timeliness.mean_effect must be a number"),
            (#"{"timeliness": {"observations": 3}}"#, .missingField, "timeliness.mean_effect is required"),
            (#"{"timeliness": {"observations": 3, "mean_effect": 1}, "timeliness": {"observations": 1, "mean_effect": 1}}"#, .malformedJSON, "appears twice"),
            (#"{"timeliness": {"observations": 3, "mean_effect": 1}"#, .malformedJSON, "expected"),
            (#"{"timeliness": {"observations": 3, "mean_effect": 1, "partitions": [{"partition": 0, "observations": 2, "mean_effect": 1}]}}"#, .inconsistent, "do not add up to 3"),
            (#"{"timeliness": {"observations": 2, "mean_effect": 1, "partitions": [{"partition": 0, "observations": 1, "mean_effect": 1}, {"partition": 0, "observations": 1, "mean_effect": 1}]}}"#, .inconsistent, "partition 0 appears twice"),
            (#"{"timeliness": {"observations": 1, "mean_effect": 1, "partitions": [{"observations": 1, "mean_effect": 1}]}}"#, .missingField, "timeliness.partitions[0].partition is required"),
            (#"{"timeliness": {"observations": 1, "mean_effect": 1, "partitions": [{"partition": -1, "observations": 1, "mean_effect": 1}]}}"#, .outOfRange, "partition is outside"),
            (#"{"timeliness": {"observations": 1, "mean_effect": 1, "partitions": {"0": 1}}}"#, .wrongType, "timeliness.partitions must be an array"),
            (#"{"timeliness": {"observations": 2, "mean_effect": 1, "partitions": [{"partition": 0, "observations": 1, "mean_effect": 1}, {"partition": 1, "observations": 1, "mean_effect": 200}]}}"#, .inconsistent, "do not make the mean effect 1"),
        ]
        for (effects, reason, words) in cases {
            guard case .failure(let rejection) = EventDecoder().decode(Array(template.replacingOccurrences(of: "EFFECTS", with: effects).utf8)) else {
                Issue.record("\(effects) accepted")
                continue
            }
            #expect(rejection.reason == reason && rejection.message.contains(words), "\(effects): \(rejection)")
        }
        let future = template.replacingOccurrences(
            of: "EFFECTS", with: #"{"timeliness": {"observations": 2, "mean_effect": 1.5, "spread": {"a": [1]}, "partitions": [{"partition": 0, "observations": 2, "mean_effect": 1.46, "note": "x"}]}}"#)
        guard case .success(.trainingProgram(let later)) = EventDecoder().decode(Array(future.utf8)) else {
            Issue.record("members a later contract may add were refused")
            return
        }
        #expect(later.measuredEffects[.timeliness]?.partitions[0]?.observations == 2, "unknown members ignored; means within a tenth of a point agree")
        let elsewhere = #"{"schema":"pos.table_service.v1","event_id":"e1","occurred_at":"2026-03-14T21:42:10-05:00","restaurant_id":"lim-01","staff_id":"s7","visit_id":"v1","table_id":"T12","covers":4,"seated_at":"2026-03-14T20:15:00-05:00","wait_time_seconds":780,"items_ordered":10,"items_incorrect":1,"measured_effects":{"x":1}}"#
        #expect((try? EventDecoder().decode(Array(elsewhere.utf8)).get()) != nil, "the field means nothing to other events, which ignore it")
    }

    /// No database text holds U+0000: a text with one is refused for it, whatever the field, and no
    /// rejection's message carries one (it becomes a dead-letter header stored in PostgreSQL).
    @Test func aNulInAnyTextIsRefusedAndNoRejectionMessageCarriesOne() throws {
        let feedback = #"{"schema":"survey.guest_feedback.v1","event_id":"f1","occurred_at":"2026-03-14T22:00:00-05:00","restaurant_id":"lim-01","staff_id":"s1","customer_satisfaction_score":4,"comment":"COMMENT"}"#
        for comment in [#"bien\u0000"#, #"\u0000"#] {
            let bytes = Array(feedback.replacingOccurrences(of: "COMMENT", with: comment).utf8)
            guard case .failure(let rejection) = EventDecoder().decode(bytes) else { Issue.record("\(comment) accepted"); continue }
            #expect(rejection.reason == .invalidCharacter && rejection.field == "comment", "\(rejection)")
        }
        let accepted = Array(feedback.replacingOccurrences(of: "COMMENT", with: #"bien \u00e9"#).utf8)
        #expect((try? EventDecoder().decode(accepted).get()) != nil, "other escapes are fine")
        let file = Self.examples.appendingPathComponent("valid/pos.table_service.v1.json")
        guard case .failure(let rejection) = EventDecoder().decode(Array(try Data(contentsOf: file)), key: "lim\u{0}01") else {
            Issue.record("a key with a NUL was accepted")
            return
        }
        #expect(rejection.reason == .keyMismatch && !rejection.message.utf8.contains(0), "\(rejection.message)")
    }

    @Test func theStartOfALocalDayIsItsFirstInstantAtThatOffset() throws {
        let evening = try #require(EventTime(rfc3339: "2026-07-14T21:30:00-05:00"))
        let start = EventTime(startOfLocalDay: evening.localDay, offsetMinutes: -300)
        #expect(start.description == "2026-07-14T00:00:00-05:00" && start.localDay == evening.localDay)
        #expect(EventTime(millisecondsSinceEpoch: start.millisecondsSinceEpoch - 1, offsetMinutes: -300).localDay == evening.localDay - 1)
        #expect(EventTime(startOfLocalDay: -1, offsetMinutes: 330).description == "1969-12-31T00:00:00+05:30", "before the epoch, east of UTC")
    }

    @Test func rfc3339ParsingRejectsImpossibleAndOffsetlessTimes() {
        #expect(EventTime(rfc3339: "2024-02-29T12:00:00Z") != nil)
        #expect(EventTime(rfc3339: "2025-02-29T12:00:00Z") == nil)
        #expect(EventTime(rfc3339: "2026-13-01T00:00:00Z") == nil)
        #expect(EventTime(rfc3339: "2026-03-14T25:00:00-05:00") == nil)
        #expect(EventTime(rfc3339: "2026-03-14T21:42:10") == nil)
        #expect(EventTime(rfc3339: "2026-03-14 21:42:10+01:30")?.offsetMinutes == 90)
        #expect(EventTime(rfc3339: "1969-12-31T23:59:59Z")?.millisecondsSinceEpoch == -1_000)
        #expect(EventTime(rfc3339: "2026-03-14T21:42:10-05:00")?.localDay == EventTime(rfc3339: "2026-03-14T00:00:00Z")?.localDay)
    }
}

@Suite struct JSONNumberTests {
    /// The fast decimal path must agree with strtod to the last bit.
    @Test func fastDecimalsEqualStrtod() {
        var random = SystemRandomNumberGenerator()
        var texts = ["0", "-0.5", "780.25", "0.1", "0.3", "123456789012345", "9007199254740991", "1.7976931348623157", "0.000001"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...15, using: &random)
            let point = Int.random(in: 0...digits, using: &random)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            if point < digits { text.insert(".", at: text.index(text.startIndex, offsetBy: max(1, point))) }
            texts.append(text)
        }
        for text in texts {
            let fast = Array(text.utf8).withUnsafeBufferPointer { JSONScanner.fastDecimal($0) }
            if let fast { #expect(fast.bitPattern == Double(text)!.bitPattern, "\(text)") }
        }
        #expect(Array("1e5".utf8).withUnsafeBufferPointer { JSONScanner.fastDecimal($0) } == nil)
    }
}
