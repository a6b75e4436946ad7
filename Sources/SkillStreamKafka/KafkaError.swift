import CRdKafka

/// The one error type of the Kafka module: what went wrong, whether trying again can help,
/// and librdkafka's own error name where there is one.
///
/// `description` is safe to log (no message contents); `debugDescription` adds librdkafka's
/// error code.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure, stable across librdkafka versions.
    public enum Code: String, Sendable, Hashable {
        /// A configuration property is unknown or its value is invalid.
        case invalidConfiguration
        /// The librdkafka runtime loaded by the process is too old for current brokers.
        case runtimeTooOld
        /// librdkafka refused to create a client handle.
        case clientCreationFailed
        /// A message could not be enqueued or was not delivered.
        case messageDeliveryFailed
        /// The consumer could not subscribe, assign, seek, pause or resume.
        case consumerOperationFailed
        /// An offset commit failed.
        case commitFailed
        /// Fetching committed offsets or watermarks failed.
        case offsetQueryFailed
        /// An admin request (create or describe topics) failed.
        case adminOperationFailed
        /// A request did not complete within its timeout.
        case timedOut
        /// The client hit a fatal error and must be recreated.
        case fatal
        /// The client was already closed.
        case closed
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation, safe to log.
    public var message: String
    /// librdkafka's error name (e.g. `_QUEUE_FULL`, `TOPIC_ALREADY_EXISTS`), when it gave one.
    public var rdKafkaErrorName: String?
    /// librdkafka's numeric error code, when it gave one.
    public var rdKafkaErrorCode: Int32?
    /// The producer refused the record before sending it (it never reached a broker).
    public var refusedBeforeSending = false
    /// Whether the same operation may succeed if tried again later.
    public var isRetriable: Bool

    public init(
        code: Code, message: String, rdKafkaErrorName: String? = nil, rdKafkaErrorCode: Int32? = nil,
        isRetriable: Bool = false
    ) {
        self.code = code
        self.message = message
        self.rdKafkaErrorName = rdKafkaErrorName
        self.rdKafkaErrorCode = rdKafkaErrorCode
        self.isRetriable = isRetriable
    }

    public var description: String { "KafkaError.\(code.rawValue): \(message)" }

    public var debugDescription: String {
        var text = description
        if let rdKafkaErrorName { text += " [\(rdKafkaErrorName)" + (rdKafkaErrorCode.map { " \($0)" } ?? "") + "]" }
        return text + (isRetriable ? " (retriable)" : "")
    }
}

extension KafkaError {
    /// Builds an error from a librdkafka response code.
    init(code: Code, _ error: rd_kafka_resp_err_t, context: String) {
        let name = String(cString: rd_kafka_err2name(error))
        let text = String(cString: rd_kafka_err2str(error))
        self.init(
            code: error == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timedOut : code,
            message: "\(context): \(text)",
            rdKafkaErrorName: name,
            rdKafkaErrorCode: error.rawValue,
            isRetriable: Self.isRetriable(error)
        )
    }

    /// Builds an error from a librdkafka error object and destroys it.
    init(code: Code, consuming error: OpaquePointer, context: String) {
        let errorCode = rd_kafka_error_code(error)
        self.init(code: code, errorCode, context: context)
        self.message = "\(context): \(String(cString: rd_kafka_error_string(error)))"
        self.isRetriable = self.isRetriable || rd_kafka_error_is_retriable(error) != 0
        if rd_kafka_error_is_fatal(error) != 0 { self.code = .fatal }
        rd_kafka_error_destroy(error)
    }

    /// Whether this record can never be sent as it is: the producer refused it before sending,
    /// as larger than its `message.max.bytes`. (The broker's refusals concern a whole batch —
    /// librdkafka fails every record in it with the same code — so none of them is taken as
    /// the record's own fault.)
    public var refusesTheRecordForGood: Bool {
        refusedBeforeSending && rdKafkaErrorCode == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue
    }

    /// Response codes after which the same request can succeed: transport trouble, timeouts,
    /// leader movement, a full local queue.
    static func isRetriable(_ error: rd_kafka_resp_err_t) -> Bool {
        switch error {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
            RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE,
            RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__NODE_UPDATE, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return true
        default:
            return false
        }
    }
}
