import CRdKafka

/// The librdkafka runtime the process actually loaded, which can differ from the headers the
/// module was compiled against (Debian 12 ships 2.0.2; SkillStream runs on 2.2 or newer).
public enum KafkaRuntime {
    /// The oldest runtime that handshakes with brokers sending tagged fields in ApiVersions
    /// (Tansu, Apache Kafka in KRaft mode): librdkafka 2.2.0 fixed #4278.
    public static let minimumVersion = KafkaRuntimeVersion(major: 2, minor: 2, patch: 0)

    /// The loaded runtime's version as librdkafka prints it, e.g. `2.16.1`.
    public static var versionString: String { String(cString: rd_kafka_version_str()) }

    /// The loaded runtime's version.
    public static var version: KafkaRuntimeVersion { KafkaRuntimeVersion(hex: rd_kafka_version()) }

    /// Throws `KafkaError.Code.runtimeTooOld` with what to install when the loaded runtime is
    /// older than ``minimumVersion``.
    public static func checkSupported() throws {
        let loaded = version
        guard loaded >= minimumVersion else {
            throw KafkaError(
                code: .runtimeTooOld,
                message: """
                    librdkafka \(versionString) is loaded, but SkillStream needs \(minimumVersion) or newer: \
                    older runtimes fail the ApiVersions handshake with current brokers (librdkafka #4278). \
                    Run through `make` (which links the librdkafka bundled in PyPI's confluent-kafka into \
                    .build-runtime/lib) or put a librdkafka.so.1 of 2.2+ on LD_LIBRARY_PATH.
                    """
            )
        }
    }
}

/// A librdkafka version number, comparable.
public struct KafkaRuntimeVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Decodes librdkafka's `0xMMmmrrxx` version integer.
    public init(hex: Int32) {
        let value = UInt32(bitPattern: hex)
        self.init(major: Int((value >> 24) & 0xff), minor: Int((value >> 16) & 0xff), patch: Int((value >> 8) & 0xff))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}
