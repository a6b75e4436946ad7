import Testing

@testable import SkillStreamBackfill

@Suite struct ColumnLayoutTests {
    @Test func headersMatchWhateverTheirCaseSpacingPunctuationAndAccents() {
        let spellings = [
            "Customer_Satisfaction_Score", "Customer Satisfaction Score", "customer_satisfaction_score", " CUSTOMER-SATISFACTION-SCORE ",
            "Satisfacción del cliente", "SATISFACCION_CLIENTE", "csat",
        ]
        for name in spellings {
            #expect(BackfillColumn.resolve(name)?.column == .customerSatisfactionScore, "\(name)")
        }
        let synonyms: [(String, BackfillColumn)] = [
            ("Fecha", .date), ("Restaurant", .restaurantID), ("Restaurante", .restaurantID), ("Restaurant_ID", .restaurantID), ("Staff", .staffID),
            ("Staff_ID", .staffID), ("Empleado", .staffID), ("Mesero", .staffID), ("Waiter_ID", .staffID), ("Program_ID", .programID),
            ("Programa", .programID), ("Comment", .comment), ("Comentario", .comment), ("Repeat_Customer", .repeatCustomer),
            ("Cliente_Frecuente", .repeatCustomer), ("Restaurant_Name", .restaurantName), ("City", .city), ("Ciudad", .city),
            ("Assessment_Score", .assessmentScore), ("Covers", .covers), ("Items_Ordered", .itemsOrdered), ("Quejas", .specificComplaints),
        ]
        for (name, column) in synonyms { #expect(BackfillColumn.resolve(name)?.column == column, "\(name)") }
        #expect(BackfillColumn.resolve("Table_Number") == nil)
    }

    @Test func waitTimeColumnsNamedInMinutesReadBareNumbersAsMinutes() {
        #expect(BackfillColumn.resolve("Wait_Time_per_Table")?.bareUnitSeconds == 1)
        for name in ["Wait_Time_Minutes", "Tiempo de espera (min)", "Tiempo de espera en minutos", "Wait time in minutes", "Target_Wait_Mins"] {
            #expect(BackfillColumn.resolve(name)?.bareUnitSeconds == 60, "\(name)")
        }
        #expect(BackfillColumn.resolve("Wait_Time_Seconds")?.bareUnitSeconds == 1)
        // A unit only ends the name of a wait-time column.
        #expect(BackfillColumn.resolve("Covers_Minutes") == nil)
    }

    @Test func unknownAndUnmappableColumnsAreListedAsIgnoredWithTheirReason() throws {
        let header = [
            "Date", "Restaurant_ID", "Staff_ID", "Wait_Time_per_Table", "Order_Accuracy_Rate", "Customer_Satisfaction_Score", "Staff_Turnover_Rate",
            "Training_Participation_Rate", "Post_Training_Performance_Improvement", "Mesa", "Comment",
        ]
        let layout = try ColumnLayout(header: header, kind: .staffPerformance, configuration: BackfillConfiguration())
        #expect(layout.ignored.map(\.position) == [6, 7, 8, 9, 10, 11])
        #expect(layout.ignored[0].reason.hasPrefix("a period's average satisfaction is not one guest's answer"))
        #expect(layout.ignored[1].reason.hasPrefix("turnover is derived by SkillStream from hr.staff_event.v1 hires and terminations"))
        #expect(layout.ignored[2].reason.hasPrefix("a participation rate is an aggregate"))
        #expect(layout.ignored[3].reason.hasPrefix("SkillStream measures performance after training itself"))
        #expect(layout.ignored[4] == .init(position: 10, header: "Mesa", reason: "unknown column"))
        #expect(layout.ignored[5].reason == "mapped by --kind feedback, not by --kind staff-performance")
        #expect(layout.mappedColumns == [.date, .restaurantID, .staffID, .waitTimePerTable, .orderAccuracyRate])
    }

    @Test func missingRequiredColumnsAreAFileLevelErrorNamingThem() {
        #expect(throws: BackfillError(
            .missingColumns, "a --kind staff-performance file needs the columns Staff_ID, Order_Accuracy_Rate (or a synonym)",
            columns: ["Staff_ID", "Order_Accuracy_Rate"])
        ) { try BackfillMapper(kind: .staffPerformance, header: ["Date", "Restaurant", "Wait_Time"]) }
        #expect(throws: BackfillError(
            .missingColumns, "a --kind feedback file needs the columns Customer_Satisfaction_Score or Specific_Complaints or Comment (or a synonym)",
            columns: ["Customer_Satisfaction_Score or Specific_Complaints or Comment"])
        ) { try BackfillMapper(kind: .feedback, header: ["Date", "Restaurant", "Staff", "Repeat_Customer"]) }
        // A header line that is really data names no column.
        #expect { try BackfillMapper(kind: .training, header: ["2024-02-01", "lim-01", "s07", "prg-01"]) } throws: {
            ($0 as? BackfillError)?.columns == ["Date", "Restaurant_ID", "Staff_ID", "Program_ID"]
        }
    }

    @Test func twoColumnsMeaningTheSameThingAreAFileLevelError() {
        #expect(throws: BackfillError(.ambiguousColumns, "several columns mean the same thing: Staff, Mesero", columns: ["Staff", "Mesero"])) {
            try BackfillMapper(kind: .feedback, header: ["Date", "Restaurant", "Staff", "Puntaje", "Mesero"])
        }
    }

    @Test func aDefaultRestaurantReplacesTheRestaurantColumn() throws {
        var configuration = BackfillConfiguration()
        configuration.defaultRestaurantID = "lim-01"
        let run = try BackfillRun(Array("Fecha;Mesero;Puntaje\n15/03/2024;s07;5\n".utf8), kind: .feedback, configuration: configuration)
        let feedback = try #require(try run.event(onLine: 2).guestFeedback)
        #expect(feedback.header.restaurantID == "lim-01" && feedback.staffID == "s07" && feedback.satisfaction == 5)
        #expect(throws: BackfillError.self) { try BackfillMapper(kind: .feedback, header: ["Fecha", "Mesero", "Puntaje"]) }
    }

    @Test func unusableConfigurationIsRefused() {
        var configuration = BackfillConfiguration()
        configuration.utcOffsetMinutes = 25 * 60
        #expect(throws: BackfillError(.invalidConfiguration, "the UTC offset 1500 min is outside ±23:59")) {
            try BackfillMapper(kind: .feedback, header: ["Date", "Restaurant", "Staff", "Puntaje"], configuration: configuration)
        }
        configuration = BackfillConfiguration()
        configuration.defaultCovers = 0
        #expect(throws: BackfillError(.invalidConfiguration, "the default covers 0 is outside 1…1000")) {
            try BackfillMapper(kind: .staffPerformance, header: ["Date", "Restaurant", "Staff", "Wait_Time", "Accuracy"], configuration: configuration)
        }
    }

    @Test func synonymTablesHaveNoClashes() {
        // Building the tables traps on a name given twice.
        #expect(BackfillColumn.byKey.count == BackfillColumn.allCases.reduce(0) { $0 + 1 + $1.synonyms.count })
        #expect(ComplaintVocabulary.byName.count == ComplaintVocabulary.names.reduce(0) { $0 + $1.1.count })
    }
}
