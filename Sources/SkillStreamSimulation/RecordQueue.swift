import SkillStreamDomain

/// A record the simulator has made: where it goes, its key and bytes, and when it is sent
/// (its place in the stream, which faults may put after its event time).
public struct SimulatedRecord: Sendable, Hashable {
    public var topic: String
    public var key: String
    public var value: [UInt8]
    /// Milliseconds since the epoch at which the record enters the stream.
    public var sentAt: Int64
    /// The fault injected into this record, if any.
    public var fault: InjectedFault?
}

/// A fault the simulator put into the stream on purpose.
public enum InjectedFault: Sendable, Hashable {
    /// A second copy of an event.
    case duplicate
    /// Sent 1 to 45 minutes after its event time, behind later events.
    case outOfOrder
    /// Sent 8 to 48 hours after its event time.
    case late
    /// An event replaced by a malformed message that must be dead-lettered for this reason.
    case malformed(Rejection.Reason)
}

/// Records waiting to be sent, in order of `sentAt` and, for equal times, of arrival (so the
/// output is deterministic): a binary min-heap of small entries pointing into reused slots, so
/// sifting moves no record.
struct RecordQueue {
    private var heap: [(sentAt: Int64, sequence: Int, slot: Int)] = []
    private var slots: [SimulatedRecord?] = []
    private var freeSlots: [Int] = []
    private var sequence = 0

    mutating func push(_ record: SimulatedRecord) {
        sequence += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = record
        } else {
            slot = slots.count
            slots.append(record)
        }
        heap.append((record.sentAt, sequence, slot))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns every record sent before `time`, in order.
    mutating func popAll(before time: Int64) -> [SimulatedRecord] {
        var due: [SimulatedRecord] = []
        while let first = heap.first, first.sentAt < time { due.append(pop()) }
        return due
    }

    private mutating func pop() -> SimulatedRecord {
        let slot = heap[0].slot
        let record = slots[slot].take()!
        freeSlots.append(slot)
        let last = heap.removeLast()
        guard !heap.isEmpty else { return record }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var smallest = left
            if left + 1 < heap.count && precedes(left + 1, left) { smallest = left + 1 }
            guard precedes(smallest, parent) else { break }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
        return record
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        (heap[a].sentAt, heap[a].sequence) < (heap[b].sentAt, heap[b].sequence)
    }
}
