import SkillStreamDomain
import Testing

@testable import SkillStreamBackfill

@Suite struct FeedbackBackfillTests {
    @Test func cleanFileMapsEveryRowToOneGuestFeedbackEvent() throws {
        let run = try BackfillRun(file: "feedback_clean", kind: .feedback)
        #expect(run.rejections == [])
        #expect(run.report.rowsRead == 4 && run.report.rowsMapped == 4)
        #expect(run.report.eventsByTopic == [Topics.guestFeedback: 4])

        let first = try #require(try run.event(onLine: 2).guestFeedback)
        #expect(first.header.occurredAt == (try time("2024-03-15T20:00:00-05:00")))
        #expect(first.header.restaurantID == "lim-01" && first.staffID == "lim-01-s07" && first.visitID == "v-001")
        #expect(first.satisfaction == 4 && first.complaints == nil && first.comment == "Excelente, volveremos" && first.repeatCustomer == true)

        let second = try #require(try run.event(onLine: 3).guestFeedback)
        #expect(second.header.occurredAt == (try time("2024-03-15T21:10:00-05:00")))
        #expect(second.satisfaction == 2 && second.complaints == [.slowService, .orderError] && second.comment == nil && second.repeatCustomer == false)

        let third = try #require(try run.event(onLine: 4).guestFeedback)
        #expect(third.satisfaction == 5 && third.complaints == nil && third.comment == nil && third.repeatCustomer == nil && third.visitID == nil)

        let fourth = try #require(try run.event(onLine: 5).guestFeedback)
        #expect(fourth.header.occurredAt == (try time("2024-03-16T13:30:00-05:00")))
        #expect(fourth.complaints == [.price] && fourth.comment == "Caro para lo que es")
    }

    /// BOM, CRLF, `;`, decimal comma, Spanish headers in odd case and spacing, a quoted field
    /// with `;`, doubled quotes and a line break, a blank line, a trailing delimiter.
    @Test func spanishExcelExportMapsWithItsQuirks() throws {
        let run = try BackfillRun(file: "feedback_messy", kind: .feedback)
        #expect(run.rejections == [])
        #expect(run.report.ignoredColumns == [.init(position: 8, header: "Mesa", reason: "unknown column")])
        #expect(Set(run.eventsByLine.keys) == [2, 4, 6, 7])

        let quoted = try #require(try run.event(onLine: 2).guestFeedback)
        #expect(quoted.header.occurredAt == (try time("2024-03-15T20:00:00-05:00")))
        #expect(quoted.staffID == "lim-01-s07" && quoted.satisfaction == 4 && quoted.repeatCustomer == true)
        #expect(quoted.complaints == [.slowService, .foodQuality])
        #expect(quoted.comment == "Todo bien, pero \"lento\"\r\ny frío")

        let blankScore = try #require(try run.event(onLine: 4).guestFeedback)
        #expect(blankScore.header.occurredAt == (try time("2024-03-16T20:45:00-05:00")))
        #expect(blankScore.satisfaction == nil && blankScore.complaints == [.noiseOrAmbience, .price] && blankScore.repeatCustomer == false)

        let none = try #require(try run.event(onLine: 6).guestFeedback)
        #expect(none.complaints == [] && none.repeatCustomer == true)

        // "tardaron mucho" is no category name but the comment lexicon reads it; "algo raro" is
        // neither and goes to the comment.
        let classified = try #require(try run.event(onLine: 7).guestFeedback)
        #expect(classified.complaints == [.slowService] && classified.comment == "algo raro" && classified.repeatCustomer == false)
    }

    @Test func badRowsAreReportedWithTheirLineAndReasonAndTheOthersStillMap() throws {
        let run = try BackfillRun(file: "feedback_bad_rows", kind: .feedback)
        let expected: [(Int, RowRejection.Reason, String?)] = [
            (3, .outOfRange, "Satisfaction"), (4, .invalidNumber, "Satisfaction"), (5, .invalidDate, "Date"), (6, .missingValue, "Staff"),
            (7, .invalidUTF8, "Comment"), (10, .tooManyFields, nil), (11, .invalidDate, "Date"), (12, .unterminatedQuote, "Comment"),
        ]
        #expect(run.rejections.map(\.line) == expected.map(\.0))
        #expect(run.rejections.map(\.reason) == expected.map(\.1))
        #expect(run.rejections.map(\.column) == expected.map(\.2))
        #expect(try run.rejection(onLine: 3).message == "7 is outside 1…5")
        #expect(try run.rejection(onLine: 4).message == "4.5 is not a whole number")
        #expect(try run.rejection(onLine: 11).message == "'31/02/2024' is not a date")

        #expect(Set(run.eventsByLine.keys) == [2, 8])
        #expect(try run.event(onLine: 8).guestFeedback?.comment == "multi\nline, fine")
        // The unterminated quote swallowed the last line: ten rows, not eleven.
        #expect(run.report.rowsRead == 10 && run.report.rowsMapped == 2 && run.report.rowsRejected == 8)
        #expect(run.report.rejectedByReason == [
            .outOfRange: 1, .invalidNumber: 1, .invalidDate: 2, .missingValue: 1, .invalidUTF8: 1, .tooManyFields: 1, .unterminatedQuote: 1,
        ])
        #expect(run.report.ignoredColumns.map(\.header) == ["Notes"])
    }

    /// The contract's decoder is the last check: a comment over its 8 KiB limit is refused with
    /// the decoder's reason code, and the rows around it still map.
    @Test func rowWhoseEventTheContractRefusesIsRejectedWithTheDecodersReason() throws {
        let long = String(repeating: "Muy lento. ", count: 800)
        let text = "Date,Restaurant,Staff,Comment\n2024-03-15,lim-01,s1,ok\n2024-03-15,lim-01,s2,\(long)\n2024-03-15,lim-01,s3,ok\n"
        let run = try BackfillRun(Array(text.utf8), kind: .feedback)
        let rejection = try run.rejection(onLine: 3)
        #expect(rejection.reason == .outOfRange && rejection.column == nil)
        #expect(rejection.message == "the contract refuses the survey.guest_feedback.v1 event: out_of_range (comment): 8799 characters, the limit is 8192")
        #expect(Set(run.eventsByLine.keys) == [2, 4])
    }

    @Test func everyContractRejectionReasonHasARowRejectionReasonOfTheSameCode() {
        for reason in Rejection.Reason.allCases { #expect(RowRejection.Reason(reason).rawValue == reason.rawValue) }
    }
}
