import Testing

@testable import SkillStreamKafka

@Suite struct KafkaPartitionerTests {
    /// The Java client's murmur2 (its own test vectors, `Utils.murmur2`), made positive: a key
    /// lands where any Kafka client's default partitioner would put it.
    @Test func aKeyLandsWhereTheJavaClientsPartitionerPutsIt() {
        for (key, javaHash) in [("21", Int32(-973_932_308)), ("foobar", -790_332_482), ("abc", 479_470_107)] {
            #expect(KafkaPartitioner.partition(ofKey: key, partitions: .max) == javaHash & 0x7fff_ffff, "\(key)")
        }
        #expect(KafkaPartitioner.partition(ofKey: "21", partitions: 6) == (-973_932_308 & 0x7fff_ffff) % 6)
        #expect((0..<100).allSatisfy { KafkaPartitioner.partition(ofKey: "lim-\($0)", partitions: 6) < 6 })
    }
}
