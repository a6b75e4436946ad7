import SkillStreamDomain
import Testing

@testable import SkillStreamBackfill

@Suite struct StaffPerformanceBackfillTests {
    @Test func periodAveragesBecomeOneRepresentativeTablePerRow() throws {
        let run = try BackfillRun(file: "staff_performance_clean", kind: .staffPerformance)
        #expect(run.rejections == [])
        #expect(run.report.eventsByTopic == [Topics.tableService: 4, Topics.restaurants: 3])

        let events = try #require(run.eventsByLine[2])
        let reference = try #require(events.first?.restaurant)
        let visit = try #require(events.last?.tableService)
        #expect(events.count == 2)
        #expect(visit.header.occurredAt == (try time("2024-03-31T20:00:00-05:00")))
        // Seated the wait (780 s) plus the meal (1 h) before the check closes.
        #expect(visit.seatedAt == (try time("2024-03-31T18:47:00-05:00")))
        #expect(visit.staffID == "lim-01-s07" && visit.tableID == "backfill" && visit.visitID == visit.header.eventID)
        #expect(visit.waitTimeSeconds == 780 && visit.covers == 4)
        // 92 % of 11 items: round(0.08 × 11) = 1 incorrect.
        #expect(visit.itemsOrdered == 11 && visit.itemsIncorrect == 1)
        #expect(reference.header.eventID == visit.header.eventID + "-restaurant")
        #expect(reference.header.occurredAt == visit.header.occurredAt)
        #expect(reference.name == "Costa Azul" && reference.city == "Lima" && reference.timezone == "America/Lima")
        #expect(reference.serviceQualityBenchmark == 88 && reference.fineDiningAccreditation && reference.targetWaitTimeSeconds == 900)

        // Same restaurant, same standards: no new reference.
        let unchanged = try run.event(onLine: 3).tableService
        #expect(unchanged?.itemsOrdered == 10 && unchanged?.itemsIncorrect == 1 && unchanged?.waitTimeSeconds == 900)

        // A new restaurant, with the defaults for items and covers; accuracy 1 is 100 %.
        let other = try #require(run.eventsByLine[4])
        #expect(other.first?.restaurant?.name == "Inti Raymi" && other.first?.restaurant?.city == "Cusco")
        #expect(other.first?.restaurant?.fineDiningAccreditation == false && other.first?.restaurant?.serviceQualityBenchmark == 92)
        #expect(other.last?.tableService?.itemsOrdered == 100 && other.last?.tableService?.itemsIncorrect == 0 && other.last?.tableService?.covers == 2)

        // The benchmark changed: a new reference.
        #expect(run.eventsByLine[5]?.first?.restaurant?.serviceQualityBenchmark == 90)
        #expect(run.report.ignoredColumns.map(\.header) == ["Customer_Satisfaction_Score", "Staff_Turnover_Rate", "Training_Participation_Rate"])
    }

    /// Tab-delimited, Spanish headers, the wait in minutes by the column's name, every form of
    /// percentage and wait time, a repeated row, and bad values.
    @Test func everyFormOfPercentageAndWaitTimeIsRead() throws {
        let run = try BackfillRun(file: "staff_performance_messy", kind: .staffPerformance)
        func visit(_ line: Int) throws -> TableServiceEvent {
            try #require(run.eventsByLine[line]?.last?.tableService, "line \(line)")
        }
        // wait: 12 (minutes by the header) | 12,5 | 00:12:30 | 720s | 10; accuracy: 92% | 92 % | 92,5% | 92 | 0,95
        #expect(try visit(2).waitTimeSeconds == 720 && visit(2).itemsIncorrect == 8 && visit(2).covers == 4)
        #expect(try visit(3).waitTimeSeconds == 750 && visit(3).itemsIncorrect == 8 && visit(3).covers == 2)
        #expect(try visit(4).waitTimeSeconds == 750 && visit(4).itemsIncorrect == 8)
        #expect(try visit(5).waitTimeSeconds == 720 && visit(5).itemsIncorrect == 8)
        #expect(try visit(8).waitTimeSeconds == 600 && visit(8).itemsIncorrect == 5)
        #expect(try visit(2).header.occurredAt == (try time("2024-03-15T20:00:00-05:00")))

        let first = try #require(run.eventsByLine[2]?.first?.restaurant)
        #expect(first.targetWaitTimeSeconds == 900 && first.fineDiningAccreditation && first.name == "lim-01" && first.city == "Lima")
        // Accreditation lost on line 8: a new reference; line 9 repeats line 8 exactly.
        #expect(run.eventsByLine[8]?.first?.restaurant?.fineDiningAccreditation == false)
        #expect(run.eventsByLine[3]?.count == 1 && run.eventsByLine[9]?.count == 1)
        #expect(try visit(9).header.eventID == visit(8).header.eventID + "-2")

        #expect(run.rejections.map(\.description) == [
            "line 6: out_of_range (Precisión de pedidos): 130 % is outside 0…100 %",
            "line 7: invalid_duration (Tiempo de espera (min)): 'abc' is not a wait time",
            "line 10: invalid_boolean (Acreditación): 'maybe' is not yes or no",
            // 1,200 minutes or 1.2: no guess is safe.
            "line 11: invalid_duration (Tiempo de espera (min)): '1,200' could mark thousands or decimals; write it without a thousands separator (1200, or 1.2)",
        ])
        #expect(run.report.rowsRead == 10 && run.report.rowsMapped == 6 && run.report.rowsRejected == 4)
    }

    @Test func restaurantReferenceNeedsBothBenchmarkAndAccreditation() throws {
        let text = "Date,Restaurant,Staff,Wait_Time,Accuracy,Benchmark,Accreditation\n2024-03-01,r1,s1,600,0.9,,Yes\n2024-03-02,r1,s1,600,0.9,85,Yes\n"
        let run = try BackfillRun(Array(text.utf8), kind: .staffPerformance)
        #expect(run.eventsByLine[2]?.map(\.schema) == [.tableService])
        #expect(run.eventsByLine[3]?.map(\.schema) == [.restaurant, .tableService])
    }
}
