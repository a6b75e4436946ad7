import RealModule

/// A small deterministic generator (SplitMix64) whose whole state is one UInt64: reproducible
/// streams for tests, simulations and benchmarks.
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

    /// A standard normal draw (Box–Muller, one of the pair).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextUnit(), 1e-12)
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2)
    }
}

/// java.util.Random's 48-bit linear congruential generator and MOA's Poisson draw
/// (MiscUtils.poisson), so that the adaptive tree's bootstrap weights follow MOA's exactly: MOA
/// gives every node of a Hoeffding Adaptive Tree its own generator seeded alike.
public struct JavaRandom: Sendable, Hashable {
    public private(set) var state: Int64

    static let multiplier: Int64 = 0x5_DEEC_E66D
    static let mask: Int64 = (1 << 48) - 1

    public init(seed: Int64) {
        state = (seed ^ Self.multiplier) & Self.mask
    }

    init(state: Int64) {
        self.state = state
    }

    mutating func next(bits: Int) -> Int32 {
        state = (state &* Self.multiplier &+ 0xB) & Self.mask
        return Int32(truncatingIfNeeded: state >> (48 - Int64(bits)))
    }

    /// A uniform Double in [0, 1), as `Random.nextDouble()`.
    public mutating func nextDouble() -> Double {
        let high = Int64(next(bits: 26))
        let low = Int64(next(bits: 27))
        return Double((high << 27) + low) * 0x1.0p-53
    }

    /// MOA's Poisson draw for small λ (inverse transform against one uniform).
    public mutating func poisson(_ lambda: Double) -> Int {
        var product = 1.0
        var sum = 1.0
        let threshold = nextDouble() * Double.exp(lambda)
        var index = 1
        let limit = max(100, 10 * Int(lambda.rounded(.up)))
        while index < limit && sum <= threshold {
            product *= lambda / Double(index)
            sum += product
            index += 1
        }
        return index - 1
    }
}
