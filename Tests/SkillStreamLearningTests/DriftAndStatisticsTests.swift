import RealModule
import Testing

@testable import SkillStreamLearning

@Suite struct DriftDetectorTests {
    static func bernoulli(_ probability: Double, _ random: inout RandomSource) -> Double {
        random.nextUnit() < probability ? 1 : 0
    }

    /// The number of post-change samples after which ADWIN's cut condition must hold for a mean
    /// shift of `shift` after `before` samples, with the worst-case variance 1/4 (0/1 stream).
    static func predictedDelay(before: Int, shift: Double, delta: Double, minimumWindow: Int = 5) -> Int {
        for after in (minimumWindow + 2)...100_000 {
            let n = Double(before + after)
            let dd = Double.log(2 * Double.log(n) / delta)
            let m = 1 / Double(before - minimumWindow + 1) + 1 / Double(after - minimumWindow + 1)
            let epsilon = (2 * m * 0.25 * dd).squareRoot() + 2.0 / 3.0 * dd * m
            if shift > epsilon { return after }
        }
        return .max
    }

    @Test func adwinDetectsAMeanShiftWithinItsBound() {
        let delta = 0.002
        // Allow for sampling noise: the observed shift is at least 0.5 for a true shift of 0.6.
        let bound = Self.predictedDelay(before: 2_000, shift: 0.5, delta: delta)
        for seed in UInt64(1)...10 {
            var random = RandomSource(seed: seed)
            var adwin = ADWIN(delta: delta)
            var earlyAlarms = 0
            for _ in 0..<2_000 where adwin.update(Self.bernoulli(0.2, &random)) { earlyAlarms += 1 }
            #expect(earlyAlarms == 0, "false alarm before the change (seed \(seed))")
            var delay: Int?
            for step in 1...5_000 where delay == nil {
                if adwin.update(Self.bernoulli(0.8, &random)) { delay = step }
            }
            let detected = try! #require(delay, "no detection (seed \(seed))")
            #expect(detected <= bound + adwin.clock, "seed \(seed): detected after \(detected), bound \(bound) + clock \(adwin.clock)")
            for _ in 0..<1_000 { adwin.update(Self.bernoulli(0.8, &random)) }
            #expect(adwin.estimation > 0.7, "the window forgot the old concept (seed \(seed))")
            #expect(adwin.width < 2_000, "the window was cut (seed \(seed))")
        }
    }

    @Test func adwinStaysSilentOnAStationaryStream() {
        var alarms = 0
        for seed in UInt64(1)...10 {
            var random = RandomSource(seed: 100 + seed)
            var adwin = ADWIN(delta: 0.002)
            for _ in 0..<20_000 where adwin.update(Self.bernoulli(0.3, &random)) { alarms += 1 }
            #expect(abs(adwin.estimation - 0.3) < 0.05)
        }
        #expect(alarms == 0, "\(alarms) false alarms in 200,000 stationary samples at δ = 0.002")
    }

    @Test func adwinWindowMeanAndWidthTrackTheInput() {
        var adwin = ADWIN()
        for value in [1.0, 2, 3, 4] { adwin.update(value) }
        #expect(adwin.width == 4 && adwin.estimation == 2.5)
        #expect(adwin.variance == 5)  // Σ (x − 2.5)² = 2.25 + 0.25 + 0.25 + 2.25
    }

    @Test func pageHinkleyDetectsAnIncreaseAndNotAStableStream() {
        var random = RandomSource(seed: 3)
        // Page-Hinkley watches small-variance signals such as error rates: noise σ = 0.1, then +1.
        var detector = PageHinkley(threshold: 20)
        var earlyAlarms = 0
        for _ in 0..<5_000 where detector.update(0.1 * TestStreams.gaussian(&random)) { earlyAlarms += 1 }
        #expect(earlyAlarms == 0)
        var delay: Int?
        for step in 1...2_000 where delay == nil {
            if detector.update(1 + 0.1 * TestStreams.gaussian(&random)) { delay = step }
        }
        #expect(delay != nil && delay! <= 25, "cumulative deviation of ~1 per sample crosses 20 in about 20 samples")
    }
}

@Suite struct StreamingStatisticsTests {
    @Test func welfordMatchesTheTwoPassFormulasAndRevertUndoesAnUpdate() {
        let values = [4.0, 7, 13, 16, 104, 107]
        var statistics = RunningStatistics()
        for value in values { statistics.update(value) }
        let mean = values.reduce(0, +) / Double(values.count)
        let sampleVariance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        #expect(abs(statistics.mean - mean) < 1e-9)
        #expect(abs(statistics.sampleVariance - sampleVariance) / sampleVariance < 1e-12)
        statistics.revert(107)
        statistics.revert(104)
        #expect(abs(statistics.mean - 10) < 1e-9)
        #expect(abs(statistics.sampleVariance - 30) < 1e-9)  // 4, 7, 13, 16
    }

    @Test func slidingWindowFromUpdateAndRevertEqualsRecomputation() {
        var random = RandomSource(seed: 8)
        let values = (0..<2_000).map { _ in TestStreams.gaussian(&random) * 10 + 50 }
        var window = RunningStatistics()
        for (index, value) in values.enumerated() {
            window.update(value)
            if index >= 100 { window.revert(values[index - 100]) }
        }
        let last = values.suffix(100)
        let mean = last.reduce(0, +) / 100
        #expect(abs(window.mean - mean) < 1e-9)
        #expect(abs(window.populationVariance - last.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 100) < 1e-6)
    }

    @Test func exponentialMovingAverageWeighsTheNewestValue() {
        var average = ExponentialMovingAverage(alpha: 0.5)
        for value in [10.0, 20, 30] { average.update(value) }
        #expect(average.value == 22.5)  // 10 → 15 → 22.5
    }

    @Test func p2QuantileFollowsTheTrueQuantile() {
        var random = RandomSource(seed: 12)
        var median = StreamingQuantile(quantile: 0.5)
        var p90 = StreamingQuantile(quantile: 0.9)
        for _ in 0..<50_000 {
            let value = random.nextUnit() * 100
            median.update(value)
            p90.update(value)
        }
        #expect(abs(median.value! - 50) < 1.5)
        #expect(abs(p90.value! - 90) < 1.5)
        var few = StreamingQuantile(quantile: 0.5)
        #expect(few.value == nil)
        for value in [5.0, 1, 3] { few.update(value) }
        #expect(few.value == 3)
    }

    /// A checkpoint may catch an estimator at any count, none included.
    @Test func p2QuantileRestoresFromItsSnapshotAtEveryCount() {
        var estimator = StreamingQuantile(quantile: 0.75)
        for count in 0..<12 {
            let restored = StreamingQuantile(quantile: 0.75, snapshotValues: estimator.snapshotValues)
            #expect(restored == estimator, "restored after \(count) values")
            estimator.update(Double((count * 7) % 5))
        }
        #expect(StreamingQuantile(quantile: 0.75, snapshotValues: [3, 1, 2]) == nil, "too few numbers for three values")
    }
}

@Suite struct RandomSourceTests {
    /// java.util.Random(1).nextDouble() yields 0.7308781907032909 then 0.41008081149220166.
    @Test func javaRandomReproducesJavaUtilRandom() {
        var random = JavaRandom(seed: 1)
        #expect(random.nextDouble() == 0.7308781907032909)
        #expect(random.nextDouble() == 0.41008081149220166)
    }

    /// MOA's inverse-transform Poisson: u·e against the cumulative sums 1, 2, 2.5, 2.667, …
    @Test func poissonDrawsFollowTheInverseTransform() {
        var random = JavaRandom(seed: 1)
        // u = 0.7309: threshold 1.9868 → sums 1 (≤), 2 (>) → 1 draw.
        #expect(random.poisson(1) == 1)
        // u = 0.4101: threshold 1.1147 → sums 1 (≤), 2 (>) → 1 draw.
        #expect(random.poisson(1) == 1)
        var many = JavaRandom(seed: 7)
        let draws = (0..<100_000).map { _ in many.poisson(1) }
        let mean = Double(draws.reduce(0, +)) / 100_000
        #expect(abs(mean - 1) < 0.02)
        #expect(abs(Double(draws.filter { $0 == 0 }.count) / 100_000 - 0.3679) < 0.01)
    }
}
