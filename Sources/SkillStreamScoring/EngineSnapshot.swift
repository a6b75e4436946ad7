import SkillStreamDomain
import SkillStreamLearning

/// Versioned binary encoding of a whole engine, for the processor's checkpoints: the partition's
/// state (cleansing, windows, pending joins, dedupe), the outcome models with their prequential
/// records and drift detectors, the role calibration, the gap detector's open and lately resolved gaps, the measured
/// effectiveness and the trainings awaiting their follow-up. Restoring what was encoded gives an
/// engine that produces exactly the outputs the original would have for the same later messages.
///
/// The default catalog and the recommender's policy are configuration, not state: the restorer
/// passes them again.
extension SkillEngine {
    static let snapshotKind = "scoring-engine"
    /// 2: the gap detector keeps when each gap last resolved (a version 1 snapshot restores
    /// with none). 3: each follow-up waiting for its trained staff member's tables keeps the day
    /// it was last looked at (a version 2 snapshot has none waiting). 4: each follow-up keeps the
    /// id of the gap its training was for (a version 3 snapshot's follow-ups have none).
    static let snapshotVersion = 4

    public func snapshot() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.writeHeader(kind: Self.snapshotKind, version: Self.snapshotVersion)
        writer.write(bytes: state.snapshot())
        models.write(to: &writer)
        roleCalibration.write(to: &writer)
        effectiveness.write(to: &writer)
        detector.write(to: &writer)
        let featureKeys = lastFeatures.keys.sorted(by: Self.staffOrder)
        writer.write(featureKeys.count)
        for key in featureKeys {
            Self.write(key, &writer)
            writer.write(lastFeatures[key]!)
        }
        let assessedKeys = lastAssessed.keys.sorted(by: Self.staffOrder)
        writer.write(assessedKeys.count)
        for key in assessedKeys {
            Self.write(key, &writer)
            writer.write(Int(lastAssessed[key]!))
        }
        writer.write(recommendedAlerts.count)
        for id in recommendedAlerts.sorted() { writer.write(id) }
        writer.write(Int(assessmentIntervalMilliseconds))
        writer.write(Int(GapTests.settlingInDays * 86_400_000))  // kept in the format; the running release's value applies
        return writer.bytes
    }

    /// Restores an engine from ``snapshot()``, with the same default catalog and policy the
    /// original ran with.
    public convenience init(snapshot bytes: [UInt8], defaultPrograms: [TrainingProgramReference] = [], recommender: Recommender = Recommender())
        throws(LearningError)
    {
        var reader = SnapshotReader(bytes)
        let version = try reader.readHeader(kind: Self.snapshotKind, versions: 1...Self.snapshotVersion)
        let state = try PartitionState(snapshot: try reader.readBytes())
        let models = try OutcomeModels.read(from: &reader)
        self.init(state: state, models: models, defaultPrograms: defaultPrograms)
        self.recommender = recommender
        roleCalibration = try RoleCalibration.read(from: &reader)
        effectiveness = try ProgramEffectiveness.read(from: &reader, version: version)
        detector = try GapDetector.read(from: &reader, version: version)
        for _ in 0..<(try reader.readCount(elementSize: 24)) {
            lastFeatures[try Self.readStaffKey(&reader)] = try reader.readDoubles()
        }
        for _ in 0..<(try reader.readCount(elementSize: 24)) {
            lastAssessed[try Self.readStaffKey(&reader)] = Int64(try reader.readInt())
        }
        for _ in 0..<(try reader.readCount(elementSize: 8)) { recommendedAlerts.insert(try reader.readString()) }
        assessmentIntervalMilliseconds = Int64(try reader.readInt())
        _ = try reader.readInt()  // the settling-in period the snapshot was taken with: the running release's applies
        try reader.expectEnd()
    }

    static func staffOrder(_ lhs: PartitionState.StaffKey, _ rhs: PartitionState.StaffKey) -> Bool {
        (lhs.restaurantID, lhs.staffID) < (rhs.restaurantID, rhs.staffID)
    }

    static func write(_ key: PartitionState.StaffKey, _ writer: inout SnapshotWriter) {
        writer.write(key.restaurantID)
        writer.write(key.staffID)
    }

    static func readStaffKey(_ reader: inout SnapshotReader) throws(LearningError) -> PartitionState.StaffKey {
        PartitionState.StaffKey(restaurantID: try reader.readString(), staffID: try reader.readString())
    }
}

extension OutcomeModels {
    func write(to writer: inout SnapshotWriter) {
        for target in Target.allCases {
            let pair = pairs[target]!
            writer.write(bytes: pair.logistic.snapshot())
            writer.write(bytes: pair.tree.snapshot())
            Self.write(pair.logisticQuality, &writer)
            Self.write(pair.treeQuality, &writer)
            writer.write(pair.examples)
            let restaurants = pair.restaurantRisk.keys.sorted()
            writer.write(restaurants.count)
            for id in restaurants {
                writer.write(id)
                pair.restaurantRisk[id]!.write(to: &writer)
            }
            writer.write(pair.drivingName ?? "")
        }
        let restaurants = drift.keys.sorted()
        writer.write(restaurants.count)
        for id in restaurants {
            writer.write(id)
            drift[id]!.write(to: &writer)
            writer.write(driftsDetected[id] ?? 0)
        }
    }

    static func read(from reader: inout SnapshotReader) throws(LearningError) -> OutcomeModels {
        let models = OutcomeModels()
        for target in Target.allCases {
            let logistic = try LogisticRegression(snapshot: try reader.readBytes())
            let tree = try HoeffdingAdaptiveTree(snapshot: try reader.readBytes())
            guard logistic.schema == models.schema, tree.schema == models.schema else {
                throw .invalidSnapshot("the \(target.name) models were saved with other features")
            }
            let pair = Pair(logistic: logistic, tree: tree)
            pair.logisticQuality = try readQuality(&reader)
            pair.treeQuality = try readQuality(&reader)
            pair.examples = try reader.readInt()
            for _ in 0..<(try reader.readCount(elementSize: 17)) {
                pair.restaurantRisk[try reader.readString()] = try ExponentialMovingAverage.read(from: &reader)
            }
            let driving = try reader.readString()
            pair.drivingName = driving.isEmpty ? nil : driving
            guard pair.drivingName == (driving.isEmpty ? nil : driving) else { throw .invalidSnapshot("unknown driving model '\(driving)'") }
            models.pairs[target] = pair
        }
        for _ in 0..<(try reader.readCount(elementSize: 16)) {
            let id = try reader.readString()
            models.drift[id] = try ADWIN.read(from: &reader)
            let detected = try reader.readInt()
            if detected > 0 { models.driftsDetected[id] = detected }
        }
        return models
    }

    static func write(_ quality: Quality, _ writer: inout SnapshotWriter) {
        quality.overall.write(to: &writer)
        quality.recent.write(to: &writer)
        let restaurants = quality.byRestaurant.keys.sorted()
        writer.write(restaurants.count)
        for id in restaurants {
            writer.write(id)
            quality.byRestaurant[id]!.write(to: &writer)
        }
    }

    static func readQuality(_ reader: inout SnapshotReader) throws(LearningError) -> Quality {
        var quality = Quality()
        quality.overall = try ClassificationMetrics.read(from: &reader)
        quality.recent = try WindowedClassificationMetrics.read(from: &reader)
        for _ in 0..<(try reader.readCount(elementSize: 72)) {
            quality.byRestaurant[try reader.readString()] = try ClassificationMetrics.read(from: &reader)
        }
        return quality
    }
}

extension RoleCalibration {
    func write(to writer: inout SnapshotWriter) {
        writer.write(Int(day))
        let roles = factors.keys.sorted { $0.rawValue < $1.rawValue }
        writer.write(roles.count)
        for role in roles {
            writer.write(role.rawValue)
            writer.write(factors[role]!)
        }
    }

    static func read(from reader: inout SnapshotReader) throws(LearningError) -> RoleCalibration {
        var calibration = RoleCalibration()
        guard let day = Int32(exactly: try reader.readInt()) else { throw .invalidSnapshot("role calibration day") }
        calibration.day = day
        for _ in 0..<(try reader.readCount(elementSize: 16)) {
            let role = try reader.readEnum(Role.self)
            let factors = try reader.readDoubles()
            guard factors.count == RoleCalibration.neutral.count else { throw .invalidSnapshot("role factors for \(role.rawValue)") }
            calibration.factors[role] = factors
        }
        return calibration
    }
}

extension ProgramEffectiveness {
    func write(to writer: inout SnapshotWriter) {
        let programs = estimates.keys.sorted()
        writer.write(programs.count)
        for id in programs {
            writer.write(id)
            let skills = estimates[id]!.keys.sorted { $0.rawValue < $1.rawValue }
            writer.write(skills.count)
            for skill in skills {
                writer.write(skill.rawValue)
                writer.write(estimates[id]![skill]!.observations)
                writer.write(estimates[id]![skill]!.sum)
            }
        }
        for value in [all.count, all.sum, all.squares] { writer.write(value) }
        writer.write(pending.count)
        for measurement in pending {
            writer.write(measurement.programID)
            writer.write(measurement.skill.rawValue)
            SkillEngine.write(measurement.trained, &writer)
            writer.write(Int(measurement.completedDay))
            writer.write(measurement.before)
            writer.write(measurement.controls.count)
            for (key, score) in measurement.controls {
                SkillEngine.write(key, &writer)
                writer.write(score)
            }
            writer.write(measurement.lastLookedAt != nil)
            if let day = measurement.lastLookedAt { writer.write(Int(day)) }
            writer.write(measurement.alertID != nil)
            if let alertID = measurement.alertID { writer.write(alertID) }
        }
    }

    static func read(from reader: inout SnapshotReader, version: Int) throws(LearningError) -> ProgramEffectiveness {
        var effectiveness = ProgramEffectiveness()
        for _ in 0..<(try reader.readCount(elementSize: 16)) {
            let id = try reader.readString()
            for _ in 0..<(try reader.readCount(elementSize: 24)) {
                let skill = try reader.readEnum(Skill.self)
                var estimate = Estimate()
                estimate.observations = try reader.readInt()
                estimate.sum = try reader.readDouble()
                guard estimate.observations >= 0 else { throw .invalidSnapshot("negative observations for \(id)") }
                effectiveness.estimates[id, default: [:]][skill] = estimate
            }
        }
        effectiveness.all = (try reader.readDouble(), try reader.readDouble(), try reader.readDouble())
        for _ in 0..<(try reader.readCount(elementSize: 48)) {
            let programID = try reader.readString()
            let skill = try reader.readEnum(Skill.self)
            let trained = try SkillEngine.readStaffKey(&reader)
            guard let day = Int32(exactly: try reader.readInt()) else { throw .invalidSnapshot("measurement day") }
            let before = try reader.readDouble()
            var controls: [(PartitionState.StaffKey, Double)] = []
            for _ in 0..<(try reader.readCount(elementSize: 24)) { controls.append((try SkillEngine.readStaffKey(&reader), try reader.readDouble())) }
            var lastLookedAt: Int32?
            if version >= 3, try reader.readBool() {
                guard let since = Int32(exactly: try reader.readInt()) else { throw .invalidSnapshot("measurement waiting day") }
                lastLookedAt = since
            }
            var alertID: String?
            if version >= 4, try reader.readBool() { alertID = try reader.readString() }
            effectiveness.pending.append(
                Measurement(
                    programID: programID, skill: skill, trained: trained, completedDay: day, before: before, controls: controls, lastLookedAt: lastLookedAt,
                    alertID: alertID))
        }
        return effectiveness
    }
}

extension GapDetector {
    func write(to writer: inout SnapshotWriter) {
        writer.write(openProbability)
        writer.write(resolveProbability)
        writer.write(Int(resolveAfterMilliseconds))
        writer.write(severityStep)
        let keys = open.keys.sorted()
        writer.write(keys.count)
        for key in keys {
            let gap = open[key]!
            writer.write(key)
            writer.write(gap.alertID)
            writer.write(gap.severity)
            writer.write(gap.clearSince != nil)
            writer.write(Int(gap.clearSince ?? 0))
            Self.write(gap.last, &writer)
        }
        writer.write(Int(prunedDay))
        let resolved = resolvedAt.keys.sorted()
        writer.write(resolved.count)
        for key in resolved {
            writer.write(key)
            writer.write(Int(resolvedAt[key]!))
        }
    }

    static func read(from reader: inout SnapshotReader, version: Int) throws(LearningError) -> GapDetector {
        var detector = GapDetector()
        // The thresholds in the snapshot are those of the release that wrote it: the running
        // release's own apply (they are read only to keep the format).
        _ = try reader.readDouble()
        _ = try reader.readDouble()
        _ = try reader.readInt()
        _ = try reader.readDouble()
        for _ in 0..<(try reader.readCount(elementSize: 64)) {
            let key = try reader.readString()
            let alertID = try reader.readString()
            let severity = try reader.readDouble()
            let cleared = try reader.readBool()
            let clearSince = Int64(try reader.readInt())
            let last = try readAlert(&reader)
            detector.open[key] = OpenGap(alertID: alertID, severity: severity, last: last, clearSince: cleared ? clearSince : nil)
        }
        guard version >= 2 else { return detector }
        detector.prunedDay = Int64(try reader.readInt())
        for _ in 0..<(try reader.readCount(elementSize: 16)) { detector.resolvedAt[try reader.readString()] = Int64(try reader.readInt()) }
        return detector
    }

    static func write(_ alert: GapAlert, _ writer: inout SnapshotWriter) {
        for text in [alert.alertID, alert.status.rawValue, alert.staffID, alert.restaurantID, alert.skill.rawValue] { writer.write(text) }
        for value in [alert.severity, alert.skillScore, alert.benchmark] { writer.write(value) }
        writer.write(alert.features.count)
        for feature in alert.features {
            writer.write(feature.name)
            writer.write(feature.value)
            writer.write(feature.benchmark)
        }
        for text in [alert.textES, alert.textEN, alert.model] { writer.write(text) }
        writer.write(alert.detectedAt)
    }

    static func readAlert(_ reader: inout SnapshotReader) throws(LearningError) -> GapAlert {
        let alertID = try reader.readString()
        let status = try reader.readEnum(GapAlert.Status.self)
        let staffID = try reader.readString()
        let restaurantID = try reader.readString()
        let skill = try reader.readEnum(Skill.self)
        let severity = try reader.readDouble()
        let skillScore = try reader.readDouble()
        let benchmark = try reader.readDouble()
        var features: [GapAlert.Feature] = []
        for _ in 0..<(try reader.readCount(elementSize: 24)) {
            features.append(GapAlert.Feature(name: try reader.readString(), value: try reader.readDouble(), benchmark: try reader.readDouble()))
        }
        return GapAlert(
            alertID: alertID, status: status, staffID: staffID, restaurantID: restaurantID, skill: skill, severity: severity,
            skillScore: skillScore, benchmark: benchmark, features: features, textES: try reader.readString(), textEN: try reader.readString(),
            model: try reader.readString(), detectedAt: try reader.readEventTime())
    }
}
