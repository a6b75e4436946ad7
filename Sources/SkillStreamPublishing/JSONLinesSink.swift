#if canImport(Glibc)
import Glibc

private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin

private let systemWrite = Darwin.write
#endif

/// Writes each topic's records to `<directory>/<topic>.jsonl`, one value per line, in the order
/// written: the layout `skillstream replay` reads. Values are written as they are (a contract
/// event's JSON has no raw line breaks; a deliberately malformed one may hold any bytes but a
/// newline). Keys are not written: replay derives them from the events. Buffered; files are
/// created (truncated) when first written to.
public final class JSONLinesSink: EventSink {
    private let directory: String
    /// Per topic, in order of first appearance (a handful: found by a short scan, cheaper
    /// than hashing a topic name per record): name, file, buffered lines, records written.
    private var topics: [String] = []
    private var files: [Int32?] = []
    private var buffers: [[UInt8]] = []
    private var counts: [Int] = []
    private static let bufferLimit = 1 << 20

    /// The directory is created if missing.
    public init(directory: String) throws(PublishingError) {
        self.directory = directory
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw PublishingError("cannot create directory \(directory): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        for descriptor in files { if let descriptor { close(descriptor) } }
    }

    public var recordsPerTopic: [String: Int] { Dictionary(uniqueKeysWithValues: zip(topics, counts)) }

    /// The file a topic's records go to.
    public static func fileName(topic: String) -> String { topic + ".jsonl" }

    public func write(_ record: OutgoingRecord) async throws(PublishingError) {
        guard !record.value.withUnsafeBytes({ $0.count > 0 && memchr($0.baseAddress!, 0x0A, $0.count) != nil }) else {
            throw PublishingError("a record for \(record.topic) holds a line break: it cannot be one JSON Lines record")
        }
        let topic = index(of: record.topic)
        counts[topic] += 1
        buffers[topic].append(contentsOf: record.value)
        buffers[topic].append(0x0A)
        if buffers[topic].count >= Self.bufferLimit { try drain(topic) }
    }

    public func flush() async throws(PublishingError) {
        for topic in topics.indices { try drain(topic) }
    }

    private func index(of topic: String) -> Int {
        if let index = topics.firstIndex(of: topic) { return index }
        topics.append(topic)
        files.append(nil)
        buffers.append([])
        counts.append(0)
        return topics.count - 1
    }

    private func drain(_ topic: Int) throws(PublishingError) {
        let buffer = buffers[topic]
        guard !buffer.isEmpty else { return }
        let descriptor = try file(for: topic)
        var written = 0
        while written < buffer.count {
            let result = buffer.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw PublishingError("cannot write \(Self.fileName(topic: topics[topic])): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        buffers[topic].removeAll(keepingCapacity: true)
    }

    private func file(for topic: Int) throws(PublishingError) -> Int32 {
        if let descriptor = files[topic] { return descriptor }
        let path = directory + "/" + Self.fileName(topic: topics[topic])
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PublishingError("cannot open \(path): \(String(cString: strerror(errno)))") }
        files[topic] = descriptor
        return descriptor
    }
}
