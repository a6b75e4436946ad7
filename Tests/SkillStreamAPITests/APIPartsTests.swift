import Foundation
import SkillStreamAccess
import SkillStreamDomain
import SkillStreamPostgres
import Testing

@testable import SkillStreamAPI

@Suite("Errors as problems")
struct ProblemTests {
    /// PostgreSQL unreachable, not answering, its pool closed at a stop, or a COMMIT whose answer
    /// never came (the API's one write, a status change, can be repeated safely): 503, retry.
    @Test func postgresTroubleIsA503WithRetryAfterAnUnknownCommitToo() {
        for code in [PostgresError.Code.connectionFailed, .connectionLost, .closed, .transactionOutcomeUnknown] {
            let problem = ProblemMiddleware<APIRequestContext>.problem(for: PostgresError(code: code, message: "test"))
            #expect(problem.kind == .unavailable, "\(code)")
            #expect(problem.extraHeaders.first { $0.name.rawName == "Retry-After" }?.value == "5", "\(code)")
        }
        #expect(ProblemMiddleware<APIRequestContext>.problem(for: PostgresError(code: .decoding, message: "test")).kind == .internal)
    }
}

@Suite("Response language")
struct LanguageTests {
    @Test func spanishUnlessEnglishIsPreferred() {
        #expect(Language.preferred(acceptLanguage: nil) == .es)
        #expect(Language.preferred(acceptLanguage: "*") == .es)
        #expect(Language.preferred(acceptLanguage: "fr-FR, de") == .es)
        #expect(Language.preferred(acceptLanguage: "en-GB,en;q=0.9,es;q=0.5") == .en)
        #expect(Language.preferred(acceptLanguage: "es-PE,es;q=0.9,en;q=0.8") == .es)
        #expect(Language.preferred(acceptLanguage: "en;q=0.4, es;q=0.6") == .es)
        #expect(Language.preferred(acceptLanguage: "fr, en;q=0.1") == .en)
        #expect(Language.preferred(acceptLanguage: "en;q=0") == .es, "q=0 means not acceptable")
    }
}

@Suite("Keyset paging")
struct PagingTests {
    struct Item: JSONObject, Equatable {
        var id: String
        func write(to json: inout JSONWriter) { json.string("id", id) }
    }

    @Test func aPageEndsWithACursorToTheNextOnlyWhenMoreFollow() {
        let paging = Paging(limit: 2)
        let page = paging.page(["a", "b", "c"], listing: "staff", key: { [$0] }, item: { Item(id: $0) })
        #expect(page.items == [Item(id: "a"), Item(id: "b")])
        #expect(page.nextCursor == Paging.cursor(listing: "staff", key: ["b"]), "after the last item shown")
        var json = JSONWriter()
        page.write(to: &json)
        #expect(String(decoding: json.finish(), as: UTF8.self) == #"{"items":[{"id":"a"},{"id":"b"}],"next_cursor":"\#(page.nextCursor!)"}"#)
        let last = Paging(limit: 2).page(["a", "b"], listing: "staff", key: { [$0] }, item: { Item(id: $0) })
        #expect(last.nextCursor == nil)
    }

    @Test func aCursorCarriesItsListingAndKeyAndNothingElseIsAccepted() throws {
        let cursor = Paging.cursor(listing: "alerts", key: ["2026-06-29T03:24:01.000000Z", "gap-1"])
        #expect(cursor.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "URL-safe")
        let decoded = try #require(Base64URL.decode(cursor))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(decoded)) as? [String: Any])
        #expect(object["l"] as? String == "alerts" && object["k"] as? [String] == ["2026-06-29T03:24:01.000000Z", "gap-1"])
        #expect(Base64URL.decode("not base64!") == nil)
    }
}

@Suite("SQL literals")
struct SQLTests {
    @Test func arrayLiteralsQuoteAndEscapeEveryElement() {
        #expect(SQL.array(["lim-01", "a,b", #"say "hi""#, #"back\slash"#]) == #"{"lim-01","a,b","say \"hi\"","back\\slash"}"#)
        #expect(SQL.array([]) == "{}")
    }
}

@Suite("Training enrolments")
struct EnrolmentRecordTests {
    @Test func anAssignmentBecomesATrainingEnrolledEventKeyedByRestaurantInItsTimeZone() throws {
        let publisher = EnrolmentPublisher(
            outbox: .init(client: .init(configuration: .init(connectionString: ""), logger: .init(label: "test")), group: "g"), producer: nil,
            topic: "hr.staff-events", logger: .init(label: "test"))
        let record = publisher.record(
            recommendationID: "rec-1", restaurantID: "lim-01", staffID: "lim-01-s003", programID: "prog-maridaje", timezone: "America/Lima",
            now: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(record.topic == "hr.staff-events" && record.key == Array("lim-01".utf8))
        let event = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
        #expect(event["schema"] as? String == "hr.staff_event.v1" && event["type"] as? String == "training_enrolled")
        #expect(event["event_id"] as? String == "enrol-rec-1" && event["program_id"] as? String == "prog-maridaje")
        #expect((event["occurred_at"] as? String)?.hasSuffix("-05:00") == true, "Lima's offset: \(event["occurred_at"] ?? "")")
    }
}

@Suite("Dashboard HTML")
struct HTMLTests {
    @Test func numbersAreRoundedWithTheLanguagesSeparator() {
        #expect(HTML.number(82.649, .es) == "82,6" && HTML.number(82.65, .en, digits: 2) == "82.65")
        #expect(HTML.number(0.05, .en, digits: 1) == "0.1" && HTML.number(-3.04, .es, digits: 1) == "-3,0" && HTML.number(-0.01, .en, digits: 1) == "0.0")
        #expect(HTML.number(1_234.5, .es, digits: 0) == "1235" && HTML.number(7, .en, digits: 3) == "7.000" && HTML.number(.nan, .es) == "–")
    }

    @Test func textIsEscapedForElementsAndQuotedAttributes() {
        #expect(HTML.escape(#"<a href="x">Tom & 'Jerry'</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(HTML.escape("ñandú 🍷") == "ñandú 🍷")
        #expect(HTML.component("lim 01/ñ") == "lim%2001%2F%C3%B1")
    }

    @Test func aScoreSaysHowSureItIs() {
        let level = SkillLevelView(
            skill: "order_accuracy", skillScore: 30, benchmark: 90, belowBenchmark: true, gapProbability: 0.123, tables: 38,
            assessedAt: "2026-03-03T02:30:00Z", openAlert: false)
        #expect(DashboardRoutes.certainty(level, .es) == "12 % de probabilidad de brecha · 38 mesas")
        #expect(DashboardRoutes.certainty(level, .en) == "12% probability of a gap · 38 tables")
        var sure = level
        sure.gapProbability = 0.996
        #expect(DashboardRoutes.certainty(sure, .es) == ">99 % de probabilidad de brecha · 38 mesas")
        sure.gapProbability = 0.004
        #expect(DashboardRoutes.certainty(sure, .en) == "<1% probability of a gap · 38 tables")
    }

    @Test func datesAreTheRestaurantsLocalDay() {
        // 21:30 in Lima on 2 March is already 3 March in UTC.
        #expect(DashboardRoutes.local("2026-03-03T02:30:00Z", timezone: "America/Lima") == "2026-03-02")
        #expect(DashboardRoutes.local("2026-03-03T02:30:00Z", timezone: "America/Lima", minutes: true) == "2026-03-02 21:30")
        #expect(DashboardRoutes.local("2026-03-03T02:30:00Z", timezone: "Europe/Madrid", minutes: true) == "2026-03-03 03:30")
        #expect(DashboardRoutes.local("2026-03-03T02:30:00Z", timezone: "Mars/Olympus") == "2026-03-03", "an unknown zone reads as UTC")
        let member = StaffView(
            restaurantID: "lim-01", staffID: "s1", role: nil, skills: [], openAlerts: 0, lastAssessedAt: "2026-03-02T20:00:00Z",
            hiredAt: "2024-10-06T01:00:00Z", leftAt: "2026-03-03T02:30:00Z")
        #expect(DashboardRoutes.leftText(member, .es, timezone: "America/Lima") == "dejó el restaurante el 2026-03-02")
        #expect(DashboardRoutes.hiredText(member, .en, timezone: "America/Lima") == "on the team since 2024-10-05")
    }
}
