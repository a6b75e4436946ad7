import Foundation
import Logging
import Synchronization
import Testing

@testable import SkillStreamLogging

@Suite struct JSONLogHandlerTests {
    @Test func eachLogLineIsOneJSONObjectWithLevelMessageAndMetadata() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "skillstream.test") { label in JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger.logLevel = .info
        logger[metadataKey: "group"] = "skillstream-processor"
        logger.debug("not at this level")
        logger.warning(
            "Checkpoint \"slow\"", metadata: ["partitions": .array(["0", "1"]), "bytes": .stringConvertible(1_024), "by": .dictionary(["a": "b"])])
        let written = lines.withLock { $0 }
        #expect(written.count == 1, "debug is below the level")
        #expect(!written[0].contains("\n"), "one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning" && object["logger"] as? String == "skillstream.test")
        #expect(object["message"] as? String == "Checkpoint \"slow\"")
        #expect(object["group"] as? String == "skillstream-processor" && object["bytes"] as? String == "1024")
        #expect(object["partitions"] as? [String] == ["0", "1"] && (object["by"] as? [String: String]) == ["a": "b"])
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}
