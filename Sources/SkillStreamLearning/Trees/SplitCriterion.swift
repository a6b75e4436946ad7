import RealModule

/// How good a split is: the reduction of impurity from a node's class distribution to its
/// children's, as MOA computes it.
public enum SplitCriterion: Sendable, Hashable {
    /// Information gain; a split that leaves fewer than two branches with more than
    /// `minimumBranchFraction` of the weight is worthless (-∞).
    case informationGain(minimumBranchFraction: Double = 0.01)
    /// Gini impurity reduction (merit `1 - weighted Gini of the branches`).
    case gini

    /// The range of the merit, for the Hoeffding bound.
    func rangeOfMerit(classCount: Int) -> Double {
        switch self {
        case .informationGain: Double.log2(Double(max(2, classCount)))
        case .gini: 1
        }
    }

    func merit(before: [Double], after branches: [[Double]]) -> Double {
        switch self {
        case .informationGain(let minimumFraction):
            guard Self.branchesAboveFraction(branches, minimumFraction) >= 2 else { return -.infinity }
            return Self.entropy(before) - Self.entropy(branches)
        case .gini:
            var total = 0.0
            var weighted = 0.0
            for branch in branches {
                let weight = branch.reduce(0, +)
                total += weight
                guard weight > 0 else { continue }
                var impurity = 1.0
                for count in branch {
                    let share = count / weight
                    impurity -= share * share
                }
                weighted += weight * impurity
            }
            return total > 0 ? 1 - weighted / total : 0
        }
    }

    /// Entropy in bits of a class distribution.
    static func entropy(_ distribution: [Double]) -> Double {
        var entropy = 0.0
        var sum = 0.0
        for count in distribution where count > 0 {
            entropy -= count * Double.log2(count)
            sum += count
        }
        return sum > 0 ? (entropy + sum * Double.log2(sum)) / sum : 0
    }

    /// Weighted mean entropy of the branches.
    static func entropy(_ branches: [[Double]]) -> Double {
        var total = 0.0
        var weighted = 0.0
        for branch in branches {
            let weight = branch.reduce(0, +)
            total += weight
            weighted += weight * entropy(branch)
        }
        return total > 0 ? weighted / total : 0
    }

    static func branchesAboveFraction(_ branches: [[Double]], _ fraction: Double) -> Int {
        let weights = branches.map { $0.reduce(0, +) }
        let total = weights.reduce(0, +)
        return weights.filter { $0 / total > fraction }.count
    }
}

/// The Hoeffding bound: with probability 1 − δ, the true mean of a variable of range R is within
/// this of the mean of n observations.
public func hoeffdingBound(range: Double, confidence delta: Double, observations n: Double) -> Double {
    ((range * range * Double.log(1 / delta)) / (2 * n)).squareRoot()
}
