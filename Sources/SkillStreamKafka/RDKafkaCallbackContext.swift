import CRdKafka
import Logging
import Synchronization

/// What librdkafka's C callbacks hand over to the Swift side: a lock-protected buffer that the
/// callbacks append to (doing only the mandatory C work) and the Swift poll loop drains.
///
/// Passed to librdkafka as the handle's opaque pointer; the owning ``RDKafkaClient`` keeps it
/// alive until after `rd_kafka_destroy` has joined librdkafka's threads.
final class RDKafkaCallbackContext: Sendable {
    struct PendingState: Sendable {
        var rebalance: KafkaRebalance?
        var errors: [KafkaError] = []
        var statisticsJSON: [UInt8]?
        var closing = false
        var sawFatalError = false
    }

    let logger: Logger
    private let state = Mutex(PendingState())

    init(logger: Logger) {
        self.logger = logger
    }

    var sawFatalError: Bool { state.withLock { $0.sawFatalError } }

    var isClosing: Bool {
        get { state.withLock { $0.closing } }
        set { state.withLock { $0.closing = newValue } }
    }

    func recordRebalance(_ rebalance: KafkaRebalance) {
        state.withLock { $0.rebalance = rebalance }
    }

    func recordError(_ error: KafkaError, fatal: Bool = false) {
        state.withLock {
            // Bounded: a consumer that never polls must not grow memory with errors.
            if $0.errors.count < 1_000 { $0.errors.append(error) }
            if fatal { $0.sawFatalError = true }
        }
    }

    func recordStatistics(_ json: [UInt8]) {
        state.withLock { $0.statisticsJSON = json }
    }

    var latestStatisticsJSON: [UInt8]? { state.withLock { $0.statisticsJSON } }

    /// Takes what the callbacks recorded since the last call.
    func drain() -> (rebalance: KafkaRebalance?, errors: [KafkaError]) {
        state.withLock { state in
            defer {
                state.rebalance = nil
                state.errors = []
            }
            return (state.rebalance, state.errors)
        }
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbackContext? {
        opaque.map { Unmanaged<RDKafkaCallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }
}
