import SkillStreamDomain

/// The default training catalog (Schemas/catalog/training-programs.jsonl): one
/// `ref.training_program.v1` event per line, the same JSON the `ref.training-programs` topic
/// carries, so that the topic can extend or replace it program by program.
public enum TrainingCatalog {
    /// Why a catalog could not be read.
    public struct Problem: Error, CustomStringConvertible {
        public var line: Int
        public var rejection: Rejection
        public var description: String { "catalog line \(line): \(rejection)" }
    }

    /// The programs of a JSON Lines catalog; blank lines are skipped, anything else that is not
    /// a training program is an error naming its line.
    public static func programs(jsonLines bytes: [UInt8]) throws(Problem) -> [TrainingProgramReference] {
        var programs: [TrainingProgramReference] = []
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            switch EventDecoder().decode(Array(line)) {
            case .success(.trainingProgram(let program)):
                // A share's parts are partitions' own measurements, which a partition leaves out:
                // in the catalog, which every engine counts in full, they would count twice.
                guard program.measuredEffects.values.allSatisfy({ $0.partitions.isEmpty }) else {
                    throw Problem(
                        line: index + 1,
                        rejection: Rejection(
                            .inconsistent, field: "measured_effects",
                            "per-partition parts are a consumer group's share, for the ref.training-programs topic; the catalog takes evidence from elsewhere only (observations and mean_effect)"))
                }
                programs.append(program)
            case .success(let other): throw Problem(line: index + 1, rejection: Rejection(.unknownSchema, field: "schema", "\(other.schema.rawValue) is not a training program"))
            case .failure(let rejection): throw Problem(line: index + 1, rejection: rejection)
            }
        }
        return programs
    }
}
