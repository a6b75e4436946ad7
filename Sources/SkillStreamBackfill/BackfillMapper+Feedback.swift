import SkillStreamDomain

extension BackfillMapper {
    /// One guest's answer: the score (whole, 1–5, blank for none), the complaints (names or
    /// synonyms, else what ``SkillStreamDomain/CommentClassifier`` reads in them; what neither
    /// knows is appended to the comment, one per line), the comment, whether the guest comes back
    /// and the visit.
    func feedback(_ row: BackfillRow, _ identity: RowIdentity) throws(RowRejection) -> GuestFeedbackEvent {
        let complaintsCell = row.text(.specificComplaints)
        let (categories, unmatched) = complaintsCell.map(complaints.read) ?? ([], [])
        let comment = ([row.text(.comment)].compactMap { $0 } + unmatched).joined(separator: "\n")
        return GuestFeedbackEvent(
            header: identity.header(), staffID: identity.staffID, visitID: row.text(.visitID),
            satisfaction: try row.wholeNumber(.customerSatisfactionScore, in: 1...5), complaints: complaintsCell == nil ? nil : categories,
            comment: comment.isEmpty ? nil : comment, repeatCustomer: try row.boolean(.repeatCustomer))
    }
}
