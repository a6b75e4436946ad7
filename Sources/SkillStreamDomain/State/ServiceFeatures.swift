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

    /// Categorical features: role (code of ``Role``), accreditation and weekend (0/1).
    public static let nominal: Set<String> = ["role", "restaurant_accredited", "visit_weekend"]

    public static var count: Int { names.count }

    /// Role as a nominal code (its position in ``Role/allCases``).
    static func code(_ role: Role?) -> Double {
        guard let role else { return .nan }
        return roleCodes[role]!
    }

    static let roleCodes: [Role: Double] = Dictionary(uniqueKeysWithValues: Role.allCases.enumerated().map { ($1, Double($0)) })

    /// The features for a visit, from the state before the visit is added to the windows.
    static func compute(
        visit: TableServiceEvent, waitRatio: Double, staff: StaffState, restaurant: RestaurantState, configuration: DomainConfiguration
    ) -> [Double] {
        let day = visit.header.occurredAt.localDay
        let (short, long, recentWaitRatio, recentAccuracy) = staff.windows.featureInputs(day: day)
        let peers = restaurant.windows.summary(endingOn: day, days: ServiceWindows.longDays)
        let time = visit.header.occurredAt
        let localMilliseconds = time.millisecondsSinceEpoch + Int64(time.offsetMinutes) * 60_000
        let localHour = Double((localMilliseconds % 86_400_000 + 86_400_000) % 86_400_000) / 3_600_000
        let weekday = (Int(day) % 7 + 7 + 4) % 7  // 1970-01-01 was a Thursday (0 = Sunday)
        var features: [Double] = []
        features.reserveCapacity(count)
        features.append(short.waitRatioMean ?? .nan)
        features.append(short.waitRatioP90 ?? .nan)
        features.append(long.waitRatioMean ?? .nan)
        features.append(long.waitRatioP90 ?? .nan)
        features.append(recentWaitRatio ?? .nan)
        features.append(short.orderAccuracy ?? .nan)
        features.append(long.orderAccuracy ?? .nan)
        features.append(recentAccuracy ?? .nan)
        features.append(long.shrunkSatisfaction(prior: restaurant.satisfactionMean, priorWeight: configuration.satisfactionPriorWeight))
        features.append(Double(long.satisfactionCount))
        for index in 0..<5 { features.append(long.complaintRate(index) ?? .nan) }
        features.append(long.repeatShare ?? .nan)
        features.append(Double(short.tables))
        features.append(long.tables > 0 ? Double(long.covers) / Double(long.tables) : .nan)
        features.append(staff.tenureDays(at: time))
        features.append(Double(staff.completedTrainings.count))
        features.append(staff.daysSinceLastTraining(at: time) ?? .nan)
        features.append(code(staff.role))
        features.append(restaurant.turnoverRate(at: time, windowDays: configuration.turnoverWindowDays))
        features.append(peers.waitRatioMean ?? .nan)
        features.append(restaurant.satisfactionMean)
        if let reference = restaurant.reference {
            features.append(reference.serviceQualityBenchmark)
            features.append(reference.fineDiningAccreditation ? 1 : 0)
        } else {
            features.append(.nan)
            features.append(.nan)
        }
        features.append(Double(visit.covers))
        features.append(waitRatio)
        features.append(Double(visit.itemsOrdered))
        features.append(visit.orderAccuracy)
        features.append(localHour)
        features.append(weekday == 0 || weekday == 6 ? 1 : 0)
        return features
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
