import SkillStreamLearning
import Testing

/// The snapshot byte coding's compact integers.
struct ByteCodingTests {
    @Test func compactIntegersRoundTripAcrossTheWholeRangeAndSmallOnesTakeOneByte() throws {
        let values = [0, 1, -1, 63, -64, 64, 127, 128, 300, -300, 65_535, Int(Int32.max), Int(Int32.min), Int.max, Int.min]
        var writer = SnapshotWriter()
        for value in values { writer.writeCompact(value) }
        var reader = SnapshotReader(writer.bytes)
        for value in values { #expect(try reader.readCompactInt() == value) }
        try reader.expectEnd()

        var small = SnapshotWriter()
        for value in -64...63 { small.writeCompact(value) }
        #expect(small.bytes.count == 128, "one byte each from -64 to 63")
    }

    @Test func aTruncatedOrOverlongCompactIntegerIsRefused() {
        var truncated = SnapshotReader([0x80, 0x80])
        #expect(throws: LearningError.self) { try truncated.readCompactInt() }
        var overlong = SnapshotReader(Array(repeating: 0xFF, count: 11) + [0x01])
        #expect(throws: LearningError.self) { try overlong.readCompactInt() }
    }
}
