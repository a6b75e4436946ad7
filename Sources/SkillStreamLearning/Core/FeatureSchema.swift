/// The fixed, named, dense layout of a model's input: one Double per feature, in order.
///
/// Nominal features carry small non-negative integer codes (0, 1, 2, …) as Doubles; the trees
/// split on them by value instead of by threshold. Every example a model sees has exactly
/// `count` values in this order.
public struct FeatureSchema: Sendable, Hashable {
    public let names: [String]
    /// `isNominal[i]` tells whether feature `i` is a categorical code.
    public let isNominal: [Bool]

    /// A schema; `nominal` names the categorical features (each must be one of `names`).
    public init(names: [String], nominal: Set<String> = []) throws(LearningError) {
        guard !names.isEmpty else { throw LearningError.invalidSchema("a schema needs at least one feature") }
        guard Set(names).count == names.count else { throw LearningError.invalidSchema("feature names repeat: \(names)") }
        let unknown = nominal.subtracting(names)
        guard unknown.isEmpty else { throw LearningError.invalidSchema("nominal features not in the schema: \(unknown.sorted())") }
        self.names = names
        self.isNominal = names.map { nominal.contains($0) }
    }

    /// The number of features.
    public var count: Int { names.count }

    /// The index of a feature by name.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }
}

/// The one error type of the learning module.
public enum LearningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A schema is malformed (no features, repeated names, unknown nominal feature).
    case invalidSchema(String)
    /// An example or label does not fit the model (wrong length, label out of range).
    case invalidExample(String)
    /// A snapshot is truncated, of another model kind, or of an unknown version.
    case invalidSnapshot(String)

    public var description: String {
        switch self {
        case .invalidSchema(let reason): "invalid feature schema: \(reason)"
        case .invalidExample(let reason): "invalid example: \(reason)"
        case .invalidSnapshot(let reason): "invalid model snapshot: \(reason)"
        }
    }
}
