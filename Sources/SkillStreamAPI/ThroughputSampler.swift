import Synchronization

/// The processor group's throughput as this API replica sees it: the processed counter read
/// from PostgreSQL every few seconds, and the rate over the last minute of those readings.
/// (The processor's own `/metrics` has the exact per-topic rates; this is for the dashboard.)
final class ThroughputSampler: Sendable {
    private let samples = Mutex<[(at: ContinuousClock.Instant, processed: Int)]>([])
    let window: Duration

    init(window: Duration = .seconds(60)) {
        self.window = window
    }

    func record(processed: Int, at instant: ContinuousClock.Instant = .now) {
        samples.withLock { samples in
            samples.append((instant, processed))
            samples.removeAll { instant - $0.at > window }
        }
    }

    /// Records per second over the readings of the window; nil before two readings.
    var recordsPerSecond: Double? {
        samples.withLock { samples in
            guard let first = samples.first, let last = samples.last, last.at > first.at else { return nil }
            return Double(max(0, last.processed - first.processed)) / ((last.at - first.at) / .seconds(1))
        }
    }

    /// Reads the counter every `interval` until cancelled.
    func run(store: APIStore, every interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            if let processed = try? await store.processedTotal() { record(processed: processed) }
            try? await Task.sleep(for: interval)
        }
    }
}
