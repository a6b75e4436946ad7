import RealModule

/// A small deterministic generator (SplitMix64) whose whole state is one UInt64, so models that
/// draw random numbers (bootstrap weights) snapshot and restore exactly.
public struct RandomSource: RandomNumberGenerator, Sendable, Hashable {
    public var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A Poisson draw (Knuth's method; fine for small λ such as online bagging's 1).
    public mutating func poisson(_ lambda: Double) -> Int {
        let limit = Double.exp(-lambda)
        var product = nextUnit()
        var count = 0
        while product > limit {
            product *= nextUnit()
            count += 1
        }
        return count
    }
}

