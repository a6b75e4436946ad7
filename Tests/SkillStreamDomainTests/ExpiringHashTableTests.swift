import PropertyBased
import Testing

@testable import SkillStreamDomain

/// The open-addressing table against a plain dictionary, through inserts, updates, removals
/// and expiry, in a table small enough that probes collide and backward shifts happen.
@Suite struct ExpiringHashTableTests {
    enum Operation: Sendable {
        case insertIfAbsent(UInt64, value: Int)
        case update(UInt64, value: Int)
        case remove(UInt64)
        /// Advance time by this much and expire what is older than the horizon.
        case advance(Int64)
    }

    static let operations = zip(Gen.int(in: 0...9), Gen.int(in: 1...48), Gen.int(in: 0...1_000))
        .map { kind, key, value -> Operation in
            switch kind {
            case 0...3: .insertIfAbsent(UInt64(key), value: value)
            case 4...5: .update(UInt64(key), value: value)
            case 6...7: .remove(UInt64(key))
            default: .advance(Int64(value % 20))
            }
        }
        .array(of: 1...400)

    @Test func behavesLikeADictionaryWithExpiry() async {
        await propertyCheck(count: 300, input: Self.operations) { operations in
            let horizon: Int64 = 30
            var table = ExpiringHashTable<Int>(minimumCapacity: 1, placeholder: -1)
            var model: [UInt64: (time: Int64, value: Int)] = [:]
            var now: Int64 = 0
            for operation in operations {
                switch operation {
                case .insertIfAbsent(let key, let value):
                    let stored = table.insertIfAbsent(key, time: now, value: value)
                    #expect(stored == (model[key] == nil))
                    if model[key] == nil { model[key] = (now, value) }
                case .update(let key, let value):
                    table.update(key, time: now, value: value)
                    model[key] = (now, value)
                case .remove(let key):
                    let removed = table.remove(key)
                    #expect(removed == model.removeValue(forKey: key)?.value)
                case .advance(let step):
                    now += step
                    var expired: [Int] = []
                    table.expire(before: now - horizon) { expired.append($0) }
                    let due = model.filter { $0.value.time < now - horizon }
                    #expect(expired.sorted() == due.map(\.value.value).sorted())
                    for key in due.keys { model[key] = nil }
                }
                #expect(table.count == model.count)
            }
            for key in UInt64(1)...48 { #expect(table.contains(key) == (model[key] != nil)) }
            let entries = table.entries
            #expect(entries.map(\.time) == entries.map(\.time).sorted(), "stored in time order, entries come oldest first")
            #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) }) == model.mapValues(\.value))
        }
    }

    @Test func aTableRebuiltFromItsEntriesExpiresTheSameKeys() {
        // Stored out of time order, one key stored again at an older time (a visit sent again
        // with another time): the rebuilt table lists it once, where the original queued it twice.
        for cutoff: Int64 in [55, 70, 120] {
            var original = ExpiringHashTable<Int>(minimumCapacity: 1, placeholder: -1)
            original.update(1, time: 100, value: 1)
            original.update(2, time: 60, value: 2)
            original.update(1, time: 50, value: 10)
            var rebuilt = ExpiringHashTable<Int>(minimumCapacity: 1, placeholder: -1)
            for entry in original.entries { rebuilt.update(entry.key, time: entry.time, value: entry.value) }
            var expired: [[Int]] = [[], []]
            original.expire(before: cutoff) { expired[0].append($0) }
            rebuilt.expire(before: cutoff) { expired[1].append($0) }
            #expect(expired[0] == expired[1], "cutoff \(cutoff)")
            #expect(original.entries.map(\.key) == rebuilt.entries.map(\.key), "cutoff \(cutoff)")
        }
    }

    @Test func keepsEveryKeyThroughGrowth() {
        var table = ExpiringHashTable<Int>(minimumCapacity: 1, placeholder: -1)
        for key in UInt64(1)...10_000 {
            let stored = table.insertIfAbsent(key &* 0x1_0000_0000, time: Int64(key), value: Int(key))
            #expect(stored)
        }
        #expect(table.count == 10_000)
        for key in UInt64(1)...10_000 where key % 2 == 0 {
            let removed = table.remove(key &* 0x1_0000_0000)
            #expect(removed == Int(key))
        }
        #expect(table.count == 5_000)
        for key in UInt64(1)...10_000 { #expect(table.contains(key &* 0x1_0000_0000) == (key % 2 == 1)) }
    }
}
