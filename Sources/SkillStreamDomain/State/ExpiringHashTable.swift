/// Ids, kept as their 64-bit FNV-1a hash, mapped to a value and the event time they came with,
/// and forgotten in arrival order once older than a cutoff: the event ids of the dedupe set and
/// the visits of the label horizon.
///
/// The keys are hashes already, so a lookup hashes nothing: open addressing with linear probing
/// over one contiguous array of slots (a probe is usually one cache line), deletion by backward
/// shift (no tombstones), at most half full. A table of a few hundred thousand ids costs far
/// less time and memory than a `Dictionary` with its keyed hashing and separate key and value
/// storage.
struct ExpiringHashTable<Value> {
    fileprivate struct Slot {
        /// 0 marks an empty slot (a key that hashes to 0 is stored as 1).
        var key: UInt64
        var time: Int64
        var value: Value
    }

    private var slots: [Slot]
    private var shift: UInt64
    private(set) var count = 0
    /// What an empty slot holds (a value, not an optional: slots stay small).
    private let placeholder: Value
    /// Keys in arrival order with the time they were stored at, for expiry; an entry whose key was
    /// removed or stored again at another time since is skipped.
    private var order: [(key: UInt64, time: Int64)] = []
    private var orderStart = 0

    init(minimumCapacity: Int = 1_024, placeholder: Value) {
        var capacity = 16
        while capacity < 2 * minimumCapacity { capacity *= 2 }
        self.placeholder = placeholder
        slots = Array(repeating: Slot(key: 0, time: 0, value: placeholder), count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    /// The entries in arrival order (each key at its latest storing), for snapshots.
    var entries: [(key: UInt64, time: Int64, value: Value)] {
        // A key removed and stored again at the same time is queued twice: listed once.
        var listed = Set<UInt64>()
        return order[orderStart...].compactMap { entry in
            guard let slot = find(entry.key).map({ slots[$0] }), slot.time == entry.time, listed.insert(entry.key).inserted else { return nil }
            return (entry.key, entry.time, slot.value)
        }
    }

    func contains(_ key: UInt64) -> Bool { find(Self.stored(key)) != nil }

    /// The value stored under the key, if any.
    func value(_ key: UInt64) -> Value? { find(Self.stored(key)).map { slots[$0].value } }

    /// Stores the value unless the key is present; true when it was stored.
    mutating func insertIfAbsent(_ key: UInt64, time: Int64, value: Value) -> Bool {
        let key = Self.stored(key)
        var index = home(key)
        while slots[index].key != 0 {
            if slots[index].key == key { return false }
            index = (index + 1) & mask
        }
        occupy(index, key: key, time: time, value: value)
        return true
    }

    /// Stores the value, replacing any under the same key.
    mutating func update(_ key: UInt64, time: Int64, value: Value) {
        let key = Self.stored(key)
        var index = home(key)
        while slots[index].key != 0 {
            if slots[index].key == key {
                if slots[index].time != time { order.append((key, time)) }
                slots[index].time = time
                slots[index].value = value
                return
            }
            index = (index + 1) & mask
        }
        occupy(index, key: key, time: time, value: value)
    }

    /// Removes the key; its value, if it was present.
    mutating func remove(_ key: UInt64) -> Value? {
        guard let index = find(Self.stored(key)) else { return nil }
        let value = slots[index].value
        vacate(index)
        return value
    }

    /// Forgets every entry stored before `cutoff`, oldest first; `expired` sees each one.
    mutating func expire(before cutoff: Int64, _ expired: (Value) -> Void = { _ in }) {
        // Queued entries of keys removed or stored again since are skipped whatever their time,
        // so that a table restored from ``entries`` (which lists neither) expires the same keys.
        while orderStart < order.count {
            let entry = order[orderStart]
            guard let index = find(entry.key), slots[index].time == entry.time else {
                orderStart += 1
                continue
            }
            guard entry.time < cutoff else { break }
            expired(slots[index].value)
            vacate(index)
            orderStart += 1
        }
        if orderStart > 4_096 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    // MARK: - Slots

    private var mask: Int { slots.count - 1 }

    private static func stored(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

    /// The slot a key probes first: Fibonacci hashing spreads FNV's weak high bits.
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    private func find(_ key: UInt64) -> Int? {
        var index = home(key)
        while slots[index].key != 0 {
            if slots[index].key == key { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    private mutating func occupy(_ index: Int, key: UInt64, time: Int64, value: Value) {
        slots[index] = Slot(key: key, time: time, value: value)
        order.append((key, time))
        count += 1
        if 2 * count > slots.count { grow() }
    }

    /// Empties a slot and shifts back the entries after it that probed past it.
    private mutating func vacate(_ index: Int) {
        var hole = index
        var next = (hole + 1) & mask
        while slots[next].key != 0 {
            let distanceFromHome = (next - home(slots[next].key)) & mask
            if distanceFromHome >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = Slot(key: 0, time: 0, value: placeholder)
        count -= 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: 0, time: 0, value: placeholder), count: old.count * 2)
        shift -= 1
        for slot in old where slot.key != 0 {
            var index = home(slot.key)
            while slots[index].key != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }
}

extension ExpiringHashTable: Sendable where Value: Sendable {}
extension ExpiringHashTable.Slot: Sendable where Value: Sendable {}
