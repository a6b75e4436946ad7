/// Event ids seen within a horizon of event time, in bounded memory: ids are kept as 64-bit
/// FNV-1a hashes (stable across restarts, so the set checkpoints) and forgotten once older than
/// the horizon behind the newest event time.
///
/// With n ids remembered, the chance that two different ids collide is about n²/2⁶⁵
/// (1e-8 for a million), the price of not storing the strings.
public struct DedupeSet: Sendable, Hashable {
    public let horizonMilliseconds: Int64
    private(set) var seen: [UInt64: Int64] = [:]
    /// Ids in order of arrival with their event time, for expiry.
    private(set) var order: [(hash: UInt64, time: Int64)] = []
    private(set) var orderStart = 0
    private(set) var newest = Int64.min

    public init(horizonMilliseconds: Int64) {
        self.horizonMilliseconds = horizonMilliseconds
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.horizonMilliseconds == rhs.horizonMilliseconds && lhs.seen == rhs.seen && lhs.newest == rhs.newest
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seen.count)
        hasher.combine(newest)
    }

    public var count: Int { seen.count }

    /// Records an id; false when it was already seen within the horizon.
    public mutating func insert(_ eventID: String, time: Int64) -> Bool {
        let hash = Self.fnv1a(eventID)
        // Older than the horizon behind the newest event: it cannot be remembered for long
        // enough to matter, and storing it would only grow memory.
        if newest != .min && time < newest - horizonMilliseconds { return seen[hash] == nil }
        // One hash-table operation: the modify access inserts `time` only when the id is new.
        var inserted = false
        seen[hash, default: { inserted = true; return time }()] += 0
        guard inserted else { return false }
        order.append((hash, time))
        if time > newest {
            newest = time
            expire()
        }
        return true
    }

    private mutating func expire() {
        let cutoff = newest - horizonMilliseconds
        while orderStart < order.count && order[orderStart].time < cutoff {
            let entry = order[orderStart]
            if let index = seen.index(forKey: entry.hash), seen[index].value == entry.time { seen.remove(at: index) }
            orderStart += 1
        }
        if orderStart > 4_096 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    /// 64-bit FNV-1a of the UTF-8 bytes, optionally continuing from `seed`.
    public static func fnv1a(_ text: String, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The entries, oldest first, for snapshots.
    var entries: [(hash: UInt64, time: Int64)] { Array(order[orderStart...]).filter { seen[$0.hash] == $0.time } }

    init(horizonMilliseconds: Int64, entries: [(hash: UInt64, time: Int64)], newest: Int64) {
        self.horizonMilliseconds = horizonMilliseconds
        self.order = entries
        self.newest = newest
        for entry in entries { seen[entry.hash] = entry.time }
    }
}
