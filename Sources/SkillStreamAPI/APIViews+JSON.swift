import SkillStreamDomain

// Each view's JSON, member for member as Schemas/openapi.yaml names them.

extension RestaurantView {
    func write(to json: inout JSONWriter) {
        json.string("restaurant_id", restaurantID)
        json.string("name", name)
        json.string("city", city)
        json.string("timezone", timezone)
        json.number("service_quality_benchmark", serviceQualityBenchmark)
        json.number("target_wait_time_seconds", targetWaitTimeSeconds)
        json.bool("fine_dining_accreditation", fineDiningAccreditation)
        json.integer("staff_count", staffCount)
        json.integer("open_alerts", openAlerts)
    }
}

extension SkillLevelView {
    func write(to json: inout JSONWriter) {
        json.string("skill", skill)
        json.number("skill_score", skillScore)
        json.number("benchmark", benchmark)
        json.bool("below_benchmark", belowBenchmark)
        json.number("gap_probability", gapProbability)
        json.integer("tables", tables)
        json.string("assessed_at", assessedAt)
        json.bool("open_alert", openAlert)
    }
}

extension StaffView {
    func write(to json: inout JSONWriter) {
        json.string("restaurant_id", restaurantID)
        json.string("staff_id", staffID)
        json.string("role", role)
        json.objects("skills", skills)
        json.integer("open_alerts", openAlerts)
        json.string("last_assessed_at", lastAssessedAt)
        json.string("hired_at", hiredAt)
        json.string("left_at", leftAt)
    }
}

extension StaffDetailView {
    func write(to json: inout JSONWriter) {
        json.object("staff", staff)
        json.objects("alerts", alerts)
        json.objects("recommendations", recommendations)
    }
}

extension SkillPointView {
    func write(to json: inout JSONWriter) {
        json.string("skill", skill)
        json.string("day", day)
        json.string("assessed_at", assessedAt)
        json.number("skill_score", skillScore)
        json.number("gap_probability", gapProbability)
        json.integer("tables", tables)
    }
}

extension SkillHistoryView {
    func write(to json: inout JSONWriter) {
        json.string("restaurant_id", restaurantID)
        json.string("staff_id", staffID)
        json.objects("benchmarks", benchmarks)
        json.objects("points", points)
    }
}

extension SkillBenchmarkView {
    func write(to json: inout JSONWriter) {
        json.string("skill", skill)
        json.number("benchmark", benchmark)
    }
}

extension FeatureEvidenceView {
    func write(to json: inout JSONWriter) {
        json.number("value", value)
        json.number("benchmark", benchmark)
    }
}

extension EvidenceView {
    func write(to json: inout JSONWriter) {
        json.string("text", text)
        json.object("features") { json in
            for (name, feature) in features.sorted(by: { $0.key < $1.key }) { json.object(dynamicName: name) { feature.write(to: &$0) } }
        }
    }
}

extension AlertView {
    func write(to json: inout JSONWriter) {
        json.string("alert_id", alertID)
        json.string("restaurant_id", restaurantID)
        json.string("staff_id", staffID)
        json.string("skill", skill)
        json.string("status", status)
        json.number("severity", severity)
        json.number("skill_score", skillScore)
        json.number("benchmark", benchmark)
        json.object("evidence", evidence)
        json.string("model", model)
        json.string("opened_at", openedAt)
        json.string("updated_at", updatedAt)
        json.string("resolved_at", resolvedAt)
        json.integer("versions", versions)
    }
}

extension RecommendationView {
    func write(to json: inout JSONWriter) {
        json.string("recommendation_id", recommendationID)
        json.string("alert_id", alertID)
        json.string("restaurant_id", restaurantID)
        json.string("staff_id", staffID)
        json.string("skill", skill)
        json.string("program_id", programID)
        json.string("program_title", programTitle)
        json.integer("rank", rank)
        json.number("expected_improvement", expectedImprovement)
        json.number("confidence", confidence)
        json.string("recommended_at", recommendedAt)
        json.string("status", status)
        json.string("status_changed_by", statusChangedBy)
        json.string("status_changed_at", statusChangedAt)
        json.string("superseded_at", supersededAt)
    }
}

extension ProgramEffectView {
    func write(to json: inout JSONWriter) {
        json.string("skill", skill)
        json.integer("observations", observations)
        json.number("mean_effect", meanEffect)
        json.number("confidence", confidence)
    }
}

extension ProgramView {
    func write(to json: inout JSONWriter) {
        json.string("program_id", programID)
        json.string("title", title)
        json.string("title_es", titleEs)
        json.string("title_en", titleEn)
        json.strings("skills", skills)
        json.strings("roles", roles)
        json.number("duration_hours", durationHours)
        json.string("format", format)
        json.objects("effectiveness", effectiveness)
    }
}

extension ModelScoreView {
    func write(to json: inout JSONWriter) {
        json.string("model", model)
        json.bool("driving", driving)
        json.integer("examples", examples)
        json.number("log_loss", logLoss)
        json.number("roc_auc", rocAuc)
        json.number("f1", f1)
        json.integer("drifts_detected", driftsDetected)
        json.string("updated_at", updatedAt)
    }
}

extension ModelQualityView {
    func write(to json: inout JSONWriter) {
        json.string("restaurant_id", restaurantID)
        json.objects("models", models)
    }
}

extension PartitionIngestionView {
    func write(to json: inout JSONWriter) {
        json.integer("partition", partition)
        json.integer("consumed", consumed)
        json.integer("processed", processed)
        json.integer("duplicates", duplicates)
        json.integer("dead_lettered", deadLettered)
        json.string("last_checkpoint_at", lastCheckpointAt)
    }
}

extension PartitionLagView {
    func write(to json: inout JSONWriter) {
        json.string("topic", topic)
        json.integer("partition", partition)
        json.integer("committed_offset", committedOffset)
        json.integer("high_watermark", highWatermark)
        json.integer("lag", lag)
        json.string("observed_at", observedAt)
    }
}

extension IngestionView {
    func write(to json: inout JSONWriter) {
        json.string("consumer_group", consumerGroup)
        json.integer("consumed", consumed)
        json.integer("processed", processed)
        json.integer("duplicates", duplicates)
        json.integer("dead_lettered", deadLettered)
        json.bool("balanced", balanced)
        json.object("counters") { json in
            for (name, value) in counters.sorted(by: { $0.key < $1.key }) { json.number(dynamicName: name, Double(value)) }
        }
        json.object("dead_letters_by_reason") { json in
            for (reason, value) in deadLettersByReason.sorted(by: { $0.key < $1.key }) { json.number(dynamicName: reason, Double(value)) }
        }
        json.objects("partitions", partitions)
        json.objects("lag", lag)
        json.integer("total_lag", totalLag)
        json.number("processed_per_second", processedPerSecond)
    }
}

extension Page {
    func write(to json: inout JSONWriter) {
        json.objects("items", items)
        json.string("next_cursor", nextCursor)
    }
}
