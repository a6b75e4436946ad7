/// Where a skill score stands against the restaurant's benchmark, in the bands the dashboard
/// colours and the scenario evaluation counts: at or above it, up to 10% below, 10–25% below,
/// more than 25% below.
public enum SkillStanding: String, Sendable, CaseIterable {
    case ok
    case near
    case below
    case far

    /// The band of `score` against `benchmark` (a benchmark of 0 or less puts every score at it).
    public init(score: Double, benchmark: Double) {
        let ratio = benchmark > 0 ? score / benchmark : 1
        self = ratio >= 1 ? .ok : ratio >= 0.9 ? .near : ratio >= 0.75 ? .below : .far
    }
}
