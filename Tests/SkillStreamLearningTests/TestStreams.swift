import RealModule

@testable import SkillStreamLearning

/// Deterministic generated streams for the learner tests.
enum TestStreams {
    /// A standard normal draw (Box-Muller).
    static func gaussian(_ random: inout RandomSource) -> Double {
        let u = max(random.nextUnit(), 1e-300)
        let v = random.nextUnit()
        return (-2 * Double.log(u)).squareRoot() * Double.cos(2 * .pi * v)
    }

    /// Labels drawn from a known logistic model over standard-normal features.
    static func logistic(weights: [Double], intercept: Double, count: Int, seed: UInt64) -> [(features: [Double], label: Int)] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let features = weights.map { _ in gaussian(&random) }
            let margin = zip(weights, features).reduce(intercept) { $0 + $1.0 * $1.1 }
            let probability = 1 / (1 + Double.exp(-margin))
            return (features, random.nextUnit() < probability ? 1 : 0)
        }
    }

    /// Two numeric features and one nominal (codes 0…3), three classes; the concept changes
    /// halfway through, and some values are missing.
    static func mixed(count: Int, seed: UInt64) -> [(features: [Double], label: Int)] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { index in
            let x = random.nextUnit() * 10
            let y = gaussian(&random)
            let code = Double(Int(random.nextUnit() * 4))
            var label = x < 5 ? (code < 2 ? 0 : 1) : 2
            if index >= count / 2 { label = (label + 1) % 3 }  // drift
            if random.nextUnit() < 0.05 { label = Int(random.nextUnit() * 3) }  // noise
            let features = [random.nextUnit() < 0.02 ? .nan : x, y, code]
            return (features, label)
        }
    }

    static let mixedSchema = try! FeatureSchema(names: ["x", "y", "code"], nominal: ["code"])
}
