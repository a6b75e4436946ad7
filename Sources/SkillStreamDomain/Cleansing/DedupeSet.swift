/// Event ids seen within a horizon of event time, in bounded memory: ids are kept as 64-bit
/// FNV-1a hashes (stable across restarts, so the set checkpoints) and forgotten once older than
/// the horizon behind the newest event time.
///
/// With n ids remembered, the chance that two different ids collide is about n²/2⁶⁵
/// (1e-8 for a million), the price of not storing the strings.
public struct DedupeSet: Sendable {
    public let horizonMilliseconds: Int64
    private var seen = ExpiringHashTable<Void>(minimumCapacity: 4_096, placeholder: ())
    private(set) var newest = Int64.min

    public init(horizonMilliseconds: Int64) {
        self.horizonMilliseconds = horizonMilliseconds
    }

    public var count: Int { seen.count }

    /// Records an id; false when it was already seen within the horizon.
    public mutating func insert(_ eventID: String, time: Int64) -> Bool {
        let hash = FNV1a.hash(eventID)
        // Older than the horizon behind the newest event: it cannot be remembered for long
        // enough to matter, and storing it would only grow memory.
        if newest != .min && time < newest - horizonMilliseconds { return !seen.contains(hash) }
        guard seen.insertIfAbsent(hash, time: time, value: ()) else { return false }
        if time > newest {
            newest = time
            seen.expire(before: newest - horizonMilliseconds)
        }
        return true
    }

    /// The entries, oldest first, for snapshots.
    var entries: [(hash: UInt64, time: Int64)] { seen.entries.map { ($0.key, $0.time) } }

    init(horizonMilliseconds: Int64, entries: [(hash: UInt64, time: Int64)], newest: Int64) {
        self.horizonMilliseconds = horizonMilliseconds
        self.newest = newest
        seen = ExpiringHashTable(minimumCapacity: max(4_096, entries.count), placeholder: ())
        for entry in entries { _ = seen.insertIfAbsent(entry.hash, time: entry.time, value: ()) }
    }
}
