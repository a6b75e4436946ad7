import Foundation
import SkillStreamSimulation

extension DetectionScore {
    /// The detection figures as `evaluate-scenario --json` and `replay --truth` print them.
    var jsonFields: [String: Any] {
        [
            "alerts_opened": alertsOpened, "correct_alerts": correctAlerts, "precision": precision, "true_gaps": trueGaps,
            "detected_gaps": detectedGaps, "recall": recall, "median_delay_days": medianDelayDays ?? NSNull(),
            "confounded_share": confoundedShare, "confounded_staff": confoundedStaff, "staff_in_bad_kitchens": staffInBadKitchens,
        ]
    }
}

extension ResolutionScore {
    /// How alerts ended, as `evaluate-scenario --json` and `replay --truth` print them.
    var jsonFields: [String: Any] {
        [
            "recovered_gaps": recoveredGaps, "recovered_gaps_resolved": daysToResolve.count,
            "median_days_recovery_to_resolution": medianDaysToResolve ?? NSNull(), "recovered_gaps_still_open": stillOpenAtEnd,
            "resolutions": resolutions, "resolved_while_weak": resolvedWhileWeak,
        ]
    }
}
