/// The fixed, named feature layout the learners see for one table visit: the server's windows
/// as they were at service time, HR facts, the restaurant's context and the visit itself.
/// Unknown values are NaN (the trees treat them as missing, logistic regression as the mean).
public enum ServiceFeatures {
    public static let names: [String] = [
        "wait_ratio_mean_7d", "wait_ratio_p90_7d", "wait_ratio_mean_30d", "wait_ratio_p90_30d", "wait_ratio_mean_last50",
        "order_accuracy_7d", "order_accuracy_30d", "order_accuracy_last50",
        "satisfaction_shrunk_30d", "satisfaction_answers_30d",
        "complaint_rate_slow_service_30d", "complaint_rate_order_error_30d", "complaint_rate_inattentive_or_rude_30d",
        "complaint_rate_poor_recommendation_30d", "complaint_rate_etiquette_lapse_30d",
        "repeat_share_30d", "tables_7d", "covers_per_table_30d",
        "tenure_days", "trainings_completed", "days_since_training", "role",
        "restaurant_turnover_90d", "restaurant_wait_ratio_mean_30d", "restaurant_satisfaction_mean", "restaurant_benchmark",
        "restaurant_accredited",
        "visit_covers", "visit_wait_ratio", "visit_items", "visit_order_accuracy", "visit_local_hour", "visit_weekend",
    ]

    /// The features the guests' answers feed (scores, complaints, repeat guests). When an answer
    /// arrives before its table, these already hold that answer by the time the table's features
    /// are computed: its labelled example leaves them unknown rather than learn from its own label.
    static let fromAnswers: [Int] = [
        "satisfaction_shrunk_30d", "satisfaction_answers_30d", "complaint_rate_slow_service_30d", "complaint_rate_order_error_30d",
        "complaint_rate_inattentive_or_rude_30d", "complaint_rate_poor_recommendation_30d", "complaint_rate_etiquette_lapse_30d",
        "repeat_share_30d", "restaurant_satisfaction_mean",
    ].map { names.firstIndex(of: $0)! }

    /// Categorical features: role (code of ``Role``), accreditation and weekend (0/1).
    public static let nominal: Set<String> = ["role", "restaurant_accredited", "visit_weekend"]

    public static var count: Int { names.count }

    /// Role as a nominal code (its position in ``Role/allCases``).
    static func code(_ role: Role?) -> Double {
        guard let role else { return .nan }
        return roleCodes[role]!
    }

    static let roleCodes: [Role: Double] = Dictionary(uniqueKeysWithValues: Role.allCases.enumerated().map { ($1, Double($0)) })

    /// The features for a visit, from the state before the visit is added to the windows, in
    /// single precision, written at `features[start..<start + count]`: they wait there until
    /// the visit's feedback arrives.
    static func compute(
        visit: TableServiceEvent, waitRatio: Double, staff: StaffState, restaurant: RestaurantState, configuration: DomainConfiguration,
        into features: inout [Float], at start: Int
    ) {
        let day = visit.header.occurredAt.localDay
        let (short, long, recentWaitRatio, recentAccuracy) = staff.featureInputs(day: day)
        let peers = restaurant.summary(endingOn: day, days: ServiceWindows.longDays)
        let time = visit.header.occurredAt
        let localMilliseconds = time.millisecondsSinceEpoch + Int64(time.offsetMinutes) * 60_000
        let localHour = Double((localMilliseconds % 86_400_000 + 86_400_000) % 86_400_000) / 3_600_000
        let weekday = (Int(day) % 7 + 7 + 4) % 7  // 1970-01-01 was a Thursday (0 = Sunday)
        var index = start
        func add(_ value: Double?) {  // nil: unknown
            features[index] = Float(value ?? .nan)
            index += 1
        }
        add(short.waitRatioMean)
        add(short.waitRatioP90)
        add(long.waitRatioMean)
        add(long.waitRatioP90)
        add(recentWaitRatio)
        add(short.orderAccuracy)
        add(long.orderAccuracy)
        add(recentAccuracy)
        add(long.shrunkSatisfaction(prior: restaurant.satisfactionMean, priorWeight: configuration.satisfactionPriorWeight))
        add(Double(long.satisfactionCount))
        for index in 0..<5 { add(long.complaintRate(index)) }
        add(long.repeatShare)
        add(Double(short.tables))
        add(long.tables > 0 ? Double(long.covers) / Double(long.tables) : nil)
        add(staff.tenureDays(at: time))
        add(Double(staff.completedTrainings.count))
        add(staff.daysSinceLastTraining(at: time))
        add(code(staff.role))
        add(restaurant.turnoverRate(at: time, windowDays: configuration.turnoverWindowDays))
        add(peers.waitRatioMean)
        add(restaurant.satisfactionMean)
        let reference = restaurant.reference
        add(reference?.serviceQualityBenchmark)
        add(reference.map { $0.fineDiningAccreditation ? 1 : 0 })
        add(Double(visit.covers))
        add(waitRatio)
        add(Double(visit.itemsOrdered))
        add(visit.orderAccuracy)
        add(localHour)
        add(weekday == 0 || weekday == 6 ? 1 : 0)
        precondition(index - start == count, "every named feature is written once")
    }
}

/// A table visit and the guest outcome that arrived for it later: what the learners learn from.
public struct LabelledServiceExample: Sendable, Hashable {
    public var restaurantID: String
    public var staffID: String
    public var visitID: String
    /// ``ServiceFeatures`` as they were when the table was served.
    public var features: [Double]
    public var servedAt: EventTime
    public var feedbackAt: EventTime
    /// The guest's score, if given; nil when it was missing (an imputed score never trains).
    public var observedSatisfaction: Int?
    /// Complaints the guest named or the comment lexicon found.
    public var complaints: [ComplaintCategory]

    /// Dissatisfied: an observed score of 1 or 2; nil without an observed score.
    public var dissatisfied: Bool? { observedSatisfaction.map { $0 <= 2 } }
}
