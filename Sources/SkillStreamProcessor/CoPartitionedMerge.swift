/// Orders the records of one partition number across co-partitioned input topics (the same
/// restaurants' table service, feedback and staff events) deterministically: always the record
/// with the smallest (timestamp, topic rank, offset) among the heads of the topics, and only
/// once every topic either has a record buffered or is known to be read to its end. When the
/// records are already in the log, the order is therefore a function of the log alone: a
/// restart from a checkpoint, a rebalance, or a different number of replicas processes the same
/// records in the same order, and reaches the same state.
///
/// A topic whose position is unknown (no fetch response yet) holds the merge back for at most
/// `maximumIdle`, after which the merge goes on without it (liveness wins over order then; the
/// engine copes with any order, only its results may then differ from a run that waited).
public struct CoPartitionedMerge<Record> {
    /// What the merge needs to know of a record.
    public struct Entry {
        public var record: Record
        public var timestamp: Int64
        public var offset: Int64
    }

    /// A first-in first-out buffer: an array read from `head`, compacted as it empties.
    struct Buffer {
        var items: [Entry] = []
        var head = 0

        var first: Entry? { head < items.count ? items[head] : nil }
        var count: Int { items.count - head }

        mutating func append(_ entry: Entry) { items.append(entry) }

        mutating func removeFirst() -> Entry {
            let entry = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4_096 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return entry
        }
    }

    private var buffers: [Buffer]
    public let maximumIdleMilliseconds: Int64
    /// Since when (monotonic milliseconds) the merge has waited for a topic it knows nothing of.
    private var waitingSince: Int64?

    /// `topics`: how many co-partitioned topics; their rank (0, 1, …) breaks timestamp ties.
    public init(topics: Int, maximumIdleMilliseconds: Int64 = 2_000) {
        buffers = Array(repeating: Buffer(), count: topics)
        self.maximumIdleMilliseconds = maximumIdleMilliseconds
    }

    public var bufferedCount: Int { buffers.reduce(0) { $0 + $1.count } }

    /// Records buffered for one topic (by rank).
    public func bufferedCount(topic: Int) -> Int { buffers[topic].count }

    public mutating func append(_ record: Record, topic: Int, timestamp: Int64, offset: Int64) {
        buffers[topic].append(Entry(record: record, timestamp: timestamp, offset: offset))
    }

    /// Whether a topic's partition, with nothing buffered, may be passed over.
    public enum Position {
        /// Everything in the log up to its high watermark has been handed to the merge.
        case atEnd
        /// More is in the log and on its way.
        case behind
        /// Not known yet (no fetch response for the partition).
        case unknown
    }

    /// The first buffered record of a topic, taken out (a replay follows a recorded order
    /// instead of deciding one), or nil while none is buffered.
    public mutating func takeFirst(topic: Int) -> Record? {
        buffers[topic].first == nil ? nil : buffers[topic].removeFirst().record
    }

    /// The next record in order, with its topic rank, or nil while the order cannot be decided yet.
    /// `position(topic)` is asked only for topics with nothing buffered; `now` is a monotonic clock
    /// in milliseconds.
    public mutating func next(now: Int64, position: (Int) -> Position) -> (record: Record, topic: Int)? {
        var best: Int?
        var blocked = false
        for topic in buffers.indices {
            guard let head = buffers[topic].first else {
                switch position(topic) {
                case .atEnd: continue
                case .behind: return nil
                case .unknown:
                    blocked = true
                    continue
                }
            }
            if let current = best {
                let other = buffers[current].first!
                if (head.timestamp, topic, head.offset) < (other.timestamp, current, other.offset) { best = topic }
            } else {
                best = topic
            }
        }
        if blocked {
            let since = waitingSince ?? now
            waitingSince = since
            guard now - since >= maximumIdleMilliseconds else { return nil }
        } else {
            waitingSince = nil
        }
        guard let topic = best else { return nil }
        return (buffers[topic].removeFirst().record, topic)
    }
}
