import SkillStreamDomain
import Testing

@testable import SkillStreamBackfill

@Suite struct TrainingBackfillTests {
    @Test func enrolmentAlwaysAndCompletionWhenGiven() throws {
        let run = try BackfillRun(file: "training_clean", kind: .training)
        #expect(run.rejections == [])
        #expect(run.report.eventsByTopic == [Topics.staffEvents: 5])
        #expect(run.report.ignoredColumns.map(\.header) == ["Training_Participation_Rate"])

        let completed = try run.staffEvents(onLine: 2)
        #expect(completed.map(\.type) == [.trainingEnrolled, .trainingCompleted])
        #expect(completed.allSatisfy { $0.programID == "prg-timing-01" && $0.staffID == "lim-01-s07" && $0.header.restaurantID == "lim-01" })
        #expect(completed[0].header.occurredAt == (try time("2024-02-01T20:00:00-05:00")))
        #expect(completed[1].header.occurredAt == (try time("2024-02-20T20:00:00-05:00")))
        #expect(completed[0].assessmentScore == nil && completed[1].assessmentScore == 86)
        #expect(completed[0].header.eventID.hasSuffix("-enrolled"))
        #expect(completed[1].header.eventID == completed[0].header.eventID.dropLast("-enrolled".count) + "-completed")

        #expect(try run.event(onLine: 3).staffEvent?.type == .trainingEnrolled)

        // Completed without a date: at the enrolment date; 0.9 is 90 of 100.
        let sameDay = try run.staffEvents(onLine: 4)
        #expect(sameDay.map(\.type) == [.trainingEnrolled, .trainingCompleted])
        #expect(sameDay[1].header.occurredAt == sameDay[0].header.occurredAt && sameDay[1].assessmentScore == 90)
    }

    @Test func completionIsInferredFromItsEvidenceAndContradictionsAreRejected() throws {
        let run = try BackfillRun(file: "training_messy", kind: .training)
        let dated = try run.staffEvents(onLine: 2)
        #expect(dated.map(\.type) == [.trainingEnrolled, .trainingCompleted])
        #expect(dated[1].header.occurredAt == (try time("2024-02-20T18:30:00-05:00")) && dated[1].assessmentScore == 85.5)
        // An improvement figure marks completion; its value is not sent.
        let improved = try run.staffEvents(onLine: 3)
        #expect(improved.map(\.type) == [.trainingEnrolled, .trainingCompleted] && improved[1].assessmentScore == nil)
        #expect(try run.staffEvents(onLine: 4).map(\.type) == [.trainingEnrolled])

        #expect(run.rejections.map(\.description) == [
            "line 5: missing_value (Programa): the cell is blank",
            "line 6: inconsistent (Fecha_Fin): the training is completed before the enrolment date",
            "line 7: out_of_range (Evaluación): 120 % is outside 0…100 %",
            "line 8: inconsistent (Completado): the training is not completed, yet Evaluación is given",
        ])
        #expect(run.report.ignoredColumns.map(\.header) == ["Rotación"])
    }
}
