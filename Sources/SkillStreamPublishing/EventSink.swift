/// One record on its way to a topic: the message key and the value's bytes, unchanged.
public struct OutgoingRecord: Sendable, Hashable {
    public var topic: String
    public var key: String?
    public var value: [UInt8]
    /// When the record counts as sent (the Kafka record's timestamp), milliseconds since the
    /// Unix epoch; nil: when it is produced.
    public var timestampMilliseconds: Int64?

    public init(topic: String, key: String?, value: [UInt8], timestampMilliseconds: Int64? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// Where the simulator and the backfill put the records they make: JSON Lines files, one per
/// topic (``JSONLinesSink``), or Kafka topics (``KafkaSink``). Records keep their order per topic.
/// Owned by one task: not for concurrent use.
public protocol EventSink: AnyObject {
    /// Takes one record; it may be buffered until ``flush()``.
    func write(_ record: OutgoingRecord) async throws(PublishingError)
    /// Returns once every record written so far is stored (written to its file, or acknowledged
    /// by the broker); throws if any could not be.
    func flush() async throws(PublishingError)
    /// Records written so far, per topic.
    var recordsPerTopic: [String: Int] { get }
}

/// Why records could not be stored.
public struct PublishingError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
