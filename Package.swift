// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "SkillStream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "skillstream", targets: ["skillstream"]),
        .library(name: "SkillStreamKafka", targets: ["SkillStreamKafka"]),
        .library(name: "SkillStreamPostgres", targets: ["SkillStreamPostgres"]),
        .library(name: "SkillStreamLearning", targets: ["SkillStreamLearning"]),
        .library(name: "SkillStreamDomain", targets: ["SkillStreamDomain"]),
        .library(name: "SkillStreamSimulation", targets: ["SkillStreamSimulation"]),
        .library(name: "SkillStreamBackfill", targets: ["SkillStreamBackfill"]),
        .library(name: "SkillStreamPublishing", targets: ["SkillStreamPublishing"]),
        .library(name: "SkillStreamScoring", targets: ["SkillStreamScoring"]),
        .library(name: "SkillStreamProcessor", targets: ["SkillStreamProcessor"]),
        .library(name: "SkillStreamLogging", targets: ["SkillStreamLogging"]),
        .library(name: "SkillStreamMonitoring", targets: ["SkillStreamMonitoring"]),
        .library(name: "SkillStreamGroupLag", targets: ["SkillStreamGroupLag"]),
        .library(name: "SkillStreamSettings", targets: ["SkillStreamSettings"]),
        .library(name: "SkillStreamOutbox", targets: ["SkillStreamOutbox"]),
        .library(name: "SkillStreamAccess", targets: ["SkillStreamAccess"]),
        .library(name: "SkillStreamAPI", targets: ["SkillStreamAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // No default traits: neither swift-configuration nor the URL-encoded form coders are used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The two C libraries, each wrapped once: only SkillStreamKafka imports CRdKafka,
        // only SkillStreamPostgres imports CLibPQ.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "SkillStreamKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SkillStreamPostgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Online learners: pure computation, no I/O, usable on their own.
        .target(
            name: "SkillStreamLearning",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]
        ),
        // The event contract, cleansing and per-staff state: pure logic, no I/O.
        .target(
            name: "SkillStreamDomain",
            dependencies: ["SkillStreamLearning"]
        ),
        // A restaurant world with hidden ground truth, generating contract events: pure logic.
        .target(
            name: "SkillStreamSimulation",
            dependencies: ["SkillStreamDomain", "SkillStreamLearning"]
        ),
        // Skill-gap tests, alert lifecycle and the engine replay and the processor run: pure logic.
        .target(
            name: "SkillStreamScoring",
            dependencies: ["SkillStreamDomain", "SkillStreamLearning"]
        ),
        // Spreadsheet exports (CSV) mapped to contract events, with a report per row: pure logic.
        .target(
            name: "SkillStreamBackfill",
            dependencies: ["SkillStreamDomain"]
        ),
        // Where generated events go: JSON Lines files per topic, or Kafka topics.
        .target(
            name: "SkillStreamPublishing",
            dependencies: [
                "SkillStreamDomain",
                "SkillStreamKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Structured JSON logs for operators.
        .target(
            name: "SkillStreamLogging",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The transactional outbox: records written with a PostgreSQL transaction, published to
        // Kafka afterwards (the processor's outputs, the API's training enrolments).
        .target(
            name: "SkillStreamOutbox",
            dependencies: ["SkillStreamDomain", "SkillStreamKafka", "SkillStreamPostgres"]
        ),
        // The live processor: Kafka in, PostgreSQL checkpoints and the outbox, Kafka out.
        .target(
            name: "SkillStreamProcessor",
            dependencies: [
                "SkillStreamScoring",
                "SkillStreamDomain",
                "SkillStreamLearning",
                "SkillStreamKafka",
                "SkillStreamPostgres",
                "SkillStreamOutbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // A consumer group's lag measured from outside the group (committed offsets against
        // fetched high watermarks), for the lag alert that must fire when the processor is down.
        .target(
            name: "SkillStreamGroupLag",
            dependencies: [
                "SkillStreamKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Every command-line option of every command also settable from the environment or a
        // YAML file, resolved before the command line is parsed; shown with secrets masked.
        .target(
            name: "SkillStreamSettings",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The operators' endpoints over HTTP: /metrics (Prometheus), /healthz, /readyz.
        .target(
            name: "SkillStreamMonitoring",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Who may see and do what: bearer tokens (JWT, HS256 or RS256), roles and their scope.
        .target(
            name: "SkillStreamAccess",
            dependencies: [.product(name: "JWTKit", package: "jwt-kit")]
        ),
        // The HTTP API over what the processor wrote to PostgreSQL, for managers, training
        // managers, customer-experience managers, staff and operators.
        .target(
            name: "SkillStreamAPI",
            dependencies: [
                "SkillStreamAccess",
                "SkillStreamPostgres",
                "SkillStreamKafka",
                "SkillStreamDomain",
                "SkillStreamScoring",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "skillstream",
            dependencies: [
                "SkillStreamAPI",
                "SkillStreamAccess",
                "SkillStreamProcessor",
                "SkillStreamMonitoring",
                "SkillStreamGroupLag",
                "SkillStreamSettings",
                "SkillStreamLogging",
                "SkillStreamSimulation",
                "SkillStreamScoring",
                "SkillStreamBackfill",
                "SkillStreamPublishing",
                "SkillStreamDomain",
                "SkillStreamLearning",
                "SkillStreamKafka",
                "SkillStreamPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Benchmark drivers live apart from the product so the main build stays light.
        .executableTarget(
            name: "skillstream-bench",
            dependencies: [
                "SkillStreamDomain",
                "SkillStreamKafka",
                "SkillStreamLearning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers several test targets share (loopback sockets).
        .target(name: "SkillStreamTestSupport", path: "Tests/SkillStreamTestSupport"),
        .testTarget(
            name: "SkillStreamKafkaTests",
            dependencies: ["SkillStreamKafka", "SkillStreamTestSupport"]
        ),
        .testTarget(
            name: "SkillStreamLearningTests",
            dependencies: ["SkillStreamLearning", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .testTarget(
            name: "SkillStreamDomainTests",
            dependencies: ["SkillStreamDomain", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Comments")]
        ),
        .testTarget(
            name: "SkillStreamSimulationTests",
            dependencies: ["SkillStreamSimulation", "SkillStreamDomain", "SkillStreamLearning"]
        ),
        .testTarget(
            name: "SkillStreamScoringTests",
            dependencies: ["SkillStreamScoring", "SkillStreamDomain", "SkillStreamSimulation"],
            // Engine snapshots written by earlier releases (Snapshots/README.md says how).
            resources: [.copy("Snapshots")]
        ),
        .testTarget(
            name: "SkillStreamBackfillTests",
            dependencies: ["SkillStreamBackfill", "SkillStreamDomain"],
            resources: [.copy("CSV")]
        ),
        .testTarget(
            name: "SkillStreamLoggingTests",
            dependencies: ["SkillStreamLogging", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SkillStreamProcessorTests",
            dependencies: ["SkillStreamProcessor", "SkillStreamScoring", "SkillStreamKafka", "SkillStreamSimulation"]
        ),
        .testTarget(
            name: "SkillStreamAccessTests",
            dependencies: ["SkillStreamAccess"],
            // A throwaway RSA key pair made for these tests only.
            resources: [.copy("Keys")]
        ),
        .testTarget(
            name: "SkillStreamAPITests",
            dependencies: ["SkillStreamAPI", "SkillStreamAccess", "SkillStreamDomain", "SkillStreamOutbox", "SkillStreamPostgres"]
        ),
        .testTarget(
            name: "SkillStreamSettingsTests",
            dependencies: ["SkillStreamSettings"]
        ),
        .testTarget(
            name: "SkillStreamGroupLagTests",
            dependencies: ["SkillStreamGroupLag", "SkillStreamKafka"]
        ),
        .testTarget(
            name: "SkillStreamOutboxTests",
            dependencies: ["SkillStreamOutbox", "SkillStreamKafka"]
        ),
        .testTarget(
            name: "SkillStreamPostgresTests",
            dependencies: ["SkillStreamPostgres", "SkillStreamTestSupport"]
        ),
        // Needs a real broker and a real PostgreSQL: `make test` starts both.
        .testTarget(
            name: "SkillStreamIntegrationTests",
            dependencies: [
                "SkillStreamKafka",
                "SkillStreamPostgres",
                "SkillStreamPublishing",
                "SkillStreamSimulation",
                "SkillStreamDomain",
                "SkillStreamProcessor",
                "SkillStreamScoring",
                "SkillStreamAccess",
                "SkillStreamAPI",
                "SkillStreamGroupLag",
                "SkillStreamOutbox",
                "SkillStreamTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
