import SkillStreamDomain
import Testing

@Suite struct SkillStandingTests {
    @Test func bandsAreAtOrAboveUpToTenPercentTenToTwentyFiveAndMoreThanTwentyFiveBelowTheBenchmark() {
        #expect(SkillStanding(score: 90, benchmark: 90) == .ok)
        #expect(SkillStanding(score: 100, benchmark: 90) == .ok)
        #expect(SkillStanding(score: 81, benchmark: 90) == .near)
        #expect(SkillStanding(score: 80.9, benchmark: 90) == .below)
        #expect(SkillStanding(score: 67.5, benchmark: 90) == .below)
        #expect(SkillStanding(score: 67.4, benchmark: 90) == .far)
        #expect(SkillStanding(score: 10, benchmark: 0) == .ok, "no benchmark: nothing to fall short of")
    }
}
