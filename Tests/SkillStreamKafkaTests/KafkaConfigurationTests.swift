import Logging
import Testing

@testable import SkillStreamKafka

@Suite struct KafkaConfigurationTests {
    let logger = Logger(label: "test")

    @Test func unknownPropertyIsReportedByNameAtConstruction() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        configuration["no.such.property"] = "1"
        let error = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: logger) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("no.such.property"))
    }

    @Test func invalidValueIsReportedByNameAtConstruction() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        configuration["session.timeout.ms"] = "not-a-number"
        let error = try #require(throws: KafkaError.self) {
            try KafkaConsumer(configuration: configuration, groupID: "g", logger: logger)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("session.timeout.ms"))
    }

    @Test func explicitPropertiesWinOverClientDefaults() {
        var configuration = KafkaConfiguration(bootstrapServers: "b:9092")
        configuration["enable.idempotence"] = "false"
        let merged = configuration.withDefaults(KafkaProducer.defaultProperties)
        #expect(merged["enable.idempotence"] == "false")
        #expect(merged["linger.ms"] == KafkaProducer.defaultProperties["linger.ms"])
        #expect(merged["bootstrap.servers"] == "b:9092")
    }

    @Test func passThroughPropertiesSuchAsTLSAreAccepted() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        configuration["security.protocol"] = "sasl_plaintext"
        configuration["sasl.mechanisms"] = "PLAIN"
        configuration["sasl.username"] = "user"
        configuration["sasl.password"] = "secret"
        _ = try KafkaProducer(configuration: configuration, logger: logger)
    }

    @Test func durationsBecomeWholeMillisecondsClampedToInt32() {
        #expect(Duration.milliseconds(1_500).milliseconds == 1_500)
        #expect(Duration.seconds(2).milliseconds == 2_000)
        #expect(Duration.seconds(Int64.max / 2).milliseconds == Int32.max)
    }
}

@Suite struct KafkaRuntimeTests {
    @Test func versionIntegerDecodesMajorMinorPatch() {
        let version = KafkaRuntimeVersion(hex: 0x0210_00ff)
        #expect(version == KafkaRuntimeVersion(major: 2, minor: 16, patch: 0))
        #expect(KafkaRuntimeVersion(hex: 0x0200_02ff) < KafkaRuntime.minimumVersion)
        #expect(KafkaRuntimeVersion(hex: 0x0202_00ff) >= KafkaRuntime.minimumVersion)
    }

    /// `make` puts the confluent-kafka wheel's librdkafka first; Debian's 2.0.2 must not be loaded.
    @Test func loadedRuntimeIsSupported() throws {
        try KafkaRuntime.checkSupported()
        #expect(KafkaRuntime.versionString == KafkaRuntime.version.description || KafkaRuntime.versionString.hasPrefix(KafkaRuntime.version.description))
    }
}

@Suite struct KafkaHeaderStorageTests {
    @Test func headerNamesAreNulTerminatedAndValuesKeepTheirBytes() {
        let storage = RDKafkaHeaderStorage([
            KafkaHeader(name: "reason", string: "schema"), KafkaHeader(name: "empty", value: nil),
            KafkaHeader(name: "bin", value: [0, 255, 7]),
        ])
        storage.withHeaderValues { headers in
            #expect(headers.count == 3)
            #expect(String(cString: headers[0].name) == "reason")
            #expect(Array(UnsafeRawBufferPointer(start: headers[0].value, count: headers[0].size)) == Array("schema".utf8))
            #expect(String(cString: headers[1].name) == "empty")
            #expect(headers[1].value == nil && headers[1].size == -1)
            #expect(Array(UnsafeRawBufferPointer(start: headers[2].value, count: headers[2].size)) == [0, 255, 7])
        }
    }

    @Test func headerStringValueIsDecodedOnlyWhenValidUTF8() {
        #expect(KafkaHeader(name: "a", string: "señal").stringValue == "señal")
        #expect(KafkaHeader(name: "a", value: [0xff, 0xfe]).stringValue == nil)
        #expect(KafkaHeader(name: "a", value: nil).stringValue == nil)
    }
}

@Suite struct KafkaPartitionLagTests {
    @Test func lagIsHighWatermarkMinusPositionAndUnknownWhileEitherIsUnknown() {
        let partition = KafkaTopicPartition(topic: "t", partition: 0)
        #expect(KafkaPartitionLag(topicPartition: partition, highWatermark: 600, position: 250).lag == 350)
        #expect(KafkaPartitionLag(topicPartition: partition, highWatermark: nil, position: 250).lag == nil)
        #expect(KafkaPartitionLag(topicPartition: partition, highWatermark: 600, position: nil).lag == nil)
        #expect(KafkaPartitionLag(topicPartition: partition, highWatermark: 5, position: 9).lag == 0)
    }
}
