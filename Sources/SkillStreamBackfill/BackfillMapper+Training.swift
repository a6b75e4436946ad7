import SkillStreamDomain

extension BackfillMapper {
    /// `training_enrolled` at the row's date and, when the training is completed, then
    /// `training_completed` at the Completion_Date (else the row's date) with the
    /// Assessment_Score. Completed is the Completed cell when given; otherwise a Completion_Date,
    /// Assessment_Score or Post_Training_Performance_Improvement marks it (the improvement's
    /// value itself is not sent).
    func training(_ row: BackfillRow, _ identity: RowIdentity) throws(RowRejection) -> [ContractEvent] {
        let programID = try row.required(.programID, row.text(.programID))
        let completedCell = try row.boolean(.completed)
        let completionTime = try row.time(.completionDate)
        let assessmentScore = try row.percentage(.assessmentScore, in: 0...100)
        let improvement = try row.parsed(.postTrainingPerformanceImprovement, .invalidNumber, "a percentage", CellParser.percentage)
        let completionEvidence = [
            (BackfillColumn.completionDate, completionTime != nil), (.assessmentScore, assessmentScore != nil),
            (.postTrainingPerformanceImprovement, improvement != nil),
        ].filter(\.1).map(\.0)
        if completedCell == false, let evidence = completionEvidence.first {
            throw row.rejection(.completed, .inconsistent, "the training is not completed, yet \(row.name(evidence)) is given")
        }
        let enrolled = StaffEvent(header: identity.header("-enrolled"), staffID: identity.staffID, type: .trainingEnrolled, programID: programID)
        guard completedCell ?? !completionEvidence.isEmpty else { return [.staffEvent(enrolled)] }
        let completedAt = completionTime ?? identity.occurredAt
        guard completedAt >= identity.occurredAt else {
            throw row.rejection(.completionDate, .inconsistent, "the training is completed before the enrolment date")
        }
        let completed = StaffEvent(
            header: identity.header("-completed", at: completedAt), staffID: identity.staffID, type: .trainingCompleted, programID: programID,
            assessmentScore: assessmentScore)
        return [.staffEvent(enrolled), .staffEvent(completed)]
    }
}
