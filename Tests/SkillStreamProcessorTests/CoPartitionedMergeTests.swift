import Testing

@testable import SkillStreamProcessor

@Suite struct CoPartitionedMergeTests {
    typealias Merge = CoPartitionedMerge<String>

    /// Everything the merge hands out while every topic is read to its end.
    static func drained(_ merge: inout Merge) -> [String] {
        var out: [String] = []
        while let next = merge.next(now: 0, position: { _ in .atEnd }) { out.append(next.record) }
        return out
    }

    @Test func recordsComeInTimestampOrderAcrossTopicsWithTiesByTopicRankThenOffset() {
        var merge = Merge(topics: 3)
        merge.append("visit-a", topic: 0, timestamp: 10, offset: 0)
        merge.append("visit-b", topic: 0, timestamp: 30, offset: 1)
        merge.append("feedback-a", topic: 1, timestamp: 20, offset: 0)
        merge.append("feedback-tie", topic: 1, timestamp: 30, offset: 1)
        merge.append("hire", topic: 2, timestamp: 5, offset: 0)
        merge.append("hire-tie", topic: 2, timestamp: 30, offset: 1)
        #expect(Self.drained(&merge) == ["hire", "visit-a", "feedback-a", "visit-b", "feedback-tie", "hire-tie"])
        #expect(merge.bufferedCount == 0)
    }

    @Test func aTopicWithMoreOnItsWayHoldsTheMergeBack() {
        var merge = Merge(topics: 2)
        merge.append("visit", topic: 0, timestamp: 50, offset: 0)
        // Topic 1 has nothing buffered but is behind its high watermark: an earlier record may come.
        #expect(merge.next(now: 0, position: { _ in .behind }) == nil)
        merge.append("feedback", topic: 1, timestamp: 40, offset: 0)
        #expect(merge.next(now: 0, position: { _ in .behind })?.record == "feedback")
        // Read to its end, topic 1 no longer holds anything back.
        #expect(merge.next(now: 0, position: { _ in .atEnd })?.record == "visit")
    }

    @Test func aTopicNeverHeardOfHoldsTheMergeBackOnlyUntilTheIdleLimit() {
        var merge = Merge(topics: 2, maximumIdleMilliseconds: 500)
        merge.append("visit", topic: 0, timestamp: 50, offset: 0)
        #expect(merge.next(now: 1_000, position: { _ in .unknown }) == nil)
        #expect(merge.next(now: 1_499, position: { _ in .unknown }) == nil)
        #expect(merge.next(now: 1_500, position: { _ in .unknown })?.record == "visit")
    }

    @Test func theBufferStaysCorrectAcrossCompaction() {
        var merge = Merge(topics: 1)
        var expected: [String] = []
        var out: [String] = []
        for index in 0..<20_000 {
            merge.append("r\(index)", topic: 0, timestamp: Int64(index), offset: Int64(index))
            expected.append("r\(index)")
            if index % 3 == 0, let next = merge.next(now: 0, position: { _ in .atEnd }) { out.append(next.record) }
        }
        out += Self.drained(&merge)
        #expect(out == expected)
    }
}
