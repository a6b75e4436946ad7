import Foundation
import SkillStreamDomain
import Testing

@testable import SkillStreamBackfill

/// What holds for every test file: counts balance, events are contract-valid, ids are stable.
@Suite struct BackfillInvariantsTests {
    static let files: [(String, BackfillKind)] = [
        ("feedback_clean", .feedback), ("feedback_messy", .feedback), ("feedback_bad_rows", .feedback),
        ("staff_performance_clean", .staffPerformance), ("staff_performance_messy", .staffPerformance),
        ("training_clean", .training), ("training_messy", .training),
    ]

    @Test(arguments: files) func reportCountsBalance(file: String, kind: BackfillKind) throws {
        let run = try BackfillRun(file: file, kind: kind)
        let report = run.report
        #expect(report.rowsRead > 0)
        #expect(report.rowsRead == report.rowsMapped + report.rowsRejected)
        #expect(report.rowsMapped == run.eventsByLine.count && report.rowsRejected == run.rejections.count)
        #expect(report.events == run.events.count)
        for (topic, count) in report.eventsByTopic { #expect(run.events.filter { $0.schema.topic == topic }.count == count) }
    }

    @Test(arguments: files) func everyEventRoundTripsThroughTheContractDecoder(file: String, kind: BackfillKind) throws {
        let events = try BackfillRun(file: file, kind: kind).events
        #expect(!events.isEmpty)
        for event in events {
            #expect(event.messageKey == event.header.restaurantID)
            let decoded = EventDecoder().decode(EventEncoder.encode(event), key: event.messageKey)
            #expect(decoded == .success(event))
        }
    }

    @Test(arguments: files) func eventIDsAreUniqueAndStableAcrossRuns(file: String, kind: BackfillKind) throws {
        let ids = try BackfillRun(file: file, kind: kind).events.map(\.header.eventID)
        #expect(Set(ids).count == ids.count)
        #expect(try BackfillRun(file: file, kind: kind).events.map(\.header.eventID) == ids)
        for id in ids { #expect(id.hasPrefix("backfill-\(kind.rawValue)-")) }
    }

    @Test func eventIDsDependOnTheRowsContentNotOnColumnOrderSpellingOrUnknownColumns() throws {
        let original = "Date,Restaurant_ID,Staff_ID,Customer_Satisfaction_Score\n2024-03-15,lim-01,s1,4\n2024-03-15,lim-01,s1,4\n2024-03-15,lim-01,s2,4\n"
        let reshaped = "puntaje;Table;  restaurante ;Mesero;FECHA\n4;T1;lim-01;s1;2024-03-15\n4;T9;lim-01;s1;2024-03-15\n4;T1;lim-01;s2;2024-03-15\n"
        let ids = try BackfillRun(Array(original.utf8), kind: .feedback).events.map(\.header.eventID)
        #expect(try BackfillRun(Array(reshaped.utf8), kind: .feedback).events.map(\.header.eventID) == ids)
        #expect(ids.count == 3)
        #expect(ids[1] == ids[0] + "-2" && ids[2] != ids[0])
        #expect(ids[0].utf8.count == "backfill-feedback-".utf8.count + 16)
        #expect(ids[0].dropFirst("backfill-feedback-".count).allSatisfy { $0.isHexDigit })
        // Another restaurant's identical row is another event.
        var configuration = BackfillConfiguration()
        configuration.defaultRestaurantID = "cus-02"
        let elsewhere = try BackfillRun(Array("Date,Staff,Satisfaction\n2024-03-15,s1,4\n".utf8), kind: .feedback, configuration: configuration)
        #expect(elsewhere.events.map(\.header.eventID) != [ids[0]])
    }

    @Test func rowsDatedBeforeAnEarlierRowAreCounted() throws {
        let text = "Date,Restaurant,Staff,Satisfaction\n2024-03-15,r,s,4\n2024-03-10,r,s,4\n2024-03-16,r,s,4\n2024-03-16,r,s,5\n"
        #expect(try BackfillRun(Array(text.utf8), kind: .feedback).report.rowsOutOfDateOrder == 1)
    }

    @Test func summarySaysHowManyRowsWentWhere() throws {
        let report = try BackfillRun(file: "feedback_bad_rows", kind: .feedback).report
        #expect(report.description == """
            backfill feedback: 10 rows read, 2 mapped, 8 rejected; 2 events
              rejected invalid_date: 2
              rejected invalid_number: 1
              rejected invalid_utf8: 1
              rejected missing_value: 1
              rejected out_of_range: 1
              rejected too_many_fields: 1
              rejected unterminated_quote: 1
              events to survey.guest-feedback: 2
              ignored column 7 'Notes': unknown column
            """)
    }

    /// Schemas/backfill/README.md must name every reason code and every column.
    @Test func documentationNamesEveryReasonCodeAndColumn() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/backfill/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for reason in RowRejection.Reason.allCases { #expect(text.contains("`\(reason.rawValue)`"), "\(reason.rawValue)") }
        for column in BackfillColumn.allCases {
            #expect(text.contains("`\(column.rawValue)`"), "\(column.rawValue)")
            for synonym in column.synonyms { #expect(text.contains(synonym), "\(column.rawValue): \(synonym)") }
        }
        for code in ["missing_header", "malformed_header", "missing_columns", "ambiguous_columns", "invalid_configuration"] {
            #expect(text.contains("`\(code)`"), "\(code)")
        }
    }
}
