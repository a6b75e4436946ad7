import SkillStreamDomain

/// The order `skillstream replay` feeds recorded topics to the engine: each topic's records in
/// the order they were recorded (as its partition would deliver them), and across topics the
/// record whose event time is earliest next. A record that cannot be decoded goes with its
/// topic's previous event time, so it arrives where its file put it; late and out-of-order
/// records stay as late as they were recorded.
public struct ReplayOrder: Sequence, IteratorProtocol {
    /// One recorded record: its topic, its line number (1-based) in the topic's file, its bytes.
    public struct Record: Sendable, Hashable {
        public var topic: String
        public var line: Int
        public var value: [UInt8]
    }

    /// Per topic: its records, the next one's index and event time (decoded once).
    private var topics: [(name: String, lines: [[UInt8]], next: Int, lastTime: Int64, headTime: Int64)]
    private let decoder = EventDecoder()

    /// `topics`: each topic's name and its records (a file's lines, blank ones already dropped
    /// or not: blank lines are skipped here), in any order of topics.
    public init(topics: [(name: String, lines: [[UInt8]])]) {
        self.topics = topics.sorted { $0.name < $1.name }.map { ($0.name, $0.lines, 0, Int64.min, Int64.min) }
        for index in self.topics.indices { advance(index, from: 0) }
    }

    public mutating func next() -> Record? {
        var best: (index: Int, time: Int64)?
        for index in topics.indices where topics[index].next < topics[index].lines.count {
            let time = topics[index].headTime
            if best == nil || time < best!.time { best = (index, time) }
        }
        guard let (index, time) = best else { return nil }
        let record = Record(topic: topics[index].name, line: topics[index].next + 1, value: topics[index].lines[topics[index].next])
        topics[index].lastTime = time
        advance(index, from: topics[index].next + 1)
        return record
    }

    /// Moves a topic's head to the first non-blank record from `position` and decodes its time
    /// (the previous record's when it does not decode).
    private mutating func advance(_ index: Int, from position: Int) {
        var next = position
        while next < topics[index].lines.count && !topics[index].lines[next].contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
            next += 1
        }
        topics[index].next = next
        guard next < topics[index].lines.count else { return }
        if case .success(let event) = decoder.decode(topics[index].lines[next]) {
            topics[index].headTime = event.header.occurredAt.millisecondsSinceEpoch
        } else {
            topics[index].headTime = topics[index].lastTime
        }
    }
}
