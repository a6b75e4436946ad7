import CRdKafka
import Logging

/// The C callbacks SkillStream installs on every librdkafka handle. Each does only the
/// mandatory C work and hands the rest to ``RDKafkaCallbackContext``; none awaits, throws
/// across C or touches Swift concurrency.
enum RDKafkaCallbacks {
    static func install(on conf: OpaquePointer, kind: RDKafkaClient.Kind) {
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            guard let handle, let context = RDKafkaCallbackContext.from(rd_kafka_opaque(handle)) else { return }
            let logLevel: Logger.Level =
                switch level {
                case ...2: .critical
                case 3: .error
                case 4: .warning
                case 5: .notice
                case 6: .info
                default: .debug
                }
            context.logger.log(
                level: logLevel, "librdkafka",
                metadata: [
                    "kafka.facility": .string(facility.map { String(cString: $0) } ?? ""),
                    "kafka.message": .string(text.map { String(cString: $0) } ?? ""),
                ])
        }
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let context = RDKafkaCallbackContext.from(opaque) else { return }
            let error = rd_kafka_resp_err_t(rawValue: code)
            let fatal = error == RD_KAFKA_RESP_ERR__FATAL
            let kafkaError = KafkaError(
                code: fatal ? .fatal : .consumerOperationFailed, error,
                context: reason.map { String(cString: $0) } ?? "client error")
            context.logger.warning(
                "Kafka client error", metadata: ["kafka.error": .string(kafkaError.debugDescription)])
            context.recordError(kafkaError, fatal: fatal)
        }
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            guard let json, let context = RDKafkaCallbackContext.from(opaque) else { return 0 }
            context.recordStatistics(Array(UnsafeRawBufferPointer(start: json, count: length)))
            return 0  // librdkafka frees the JSON
        }
        switch kind {
        case .producer:
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let ticket = message.pointee._private else { return }
                let delivery = Unmanaged<KafkaDeliveryTicket>.fromOpaque(ticket).takeRetainedValue()
                let error = message.pointee.err
                delivery.complete(
                    error == RD_KAFKA_RESP_ERR_NO_ERROR
                        ? .success((message.pointee.partition, message.pointee.offset))
                        : .failure(
                            KafkaError(
                                code: error == RD_KAFKA_RESP_ERR__FATAL ? .fatal : .messageDeliveryFailed, error, context: "delivery failed")))
            }
        case .consumer:
            rd_kafka_conf_set_rebalance_cb(conf) { handle, error, partitions, opaque in
                guard let handle, let partitions, let context = RDKafkaCallbackContext.from(opaque) else { return }
                let incremental = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
                let moved = RDKafkaPartitionList.entries(of: partitions).map(\.offset.topicPartition)
                let kind: KafkaRebalance.Kind
                switch error {
                case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: kind = .assigned
                case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: kind = .revoked
                default:
                    // librdkafka asks to drop the whole assignment after a failed rebalance.
                    context.logger.error(
                        "Kafka rebalance failed; dropping the assignment",
                        metadata: ["kafka.error": .string(String(cString: rd_kafka_err2str(error)))])
                    var current: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
                    let owned = rd_kafka_assignment(handle, &current) == RD_KAFKA_RESP_ERR_NO_ERROR && current != nil
                        ? RDKafkaPartitionList(taking: current!).entries.map(\.offset.topicPartition) : moved
                    _ = rd_kafka_assign(handle, nil)
                    context.recordRebalance(KafkaRebalance(kind: .lost, partitions: owned, isIncremental: false))
                    rd_kafka_yield(handle)
                    return
                }
                if context.isClosing {
                    // Closing: the owner has already checkpointed; let close() proceed.
                    _ = RDKafkaCallbacks.applyRebalance(handle, kind: kind, list: partitions, incremental: incremental, logger: context.logger)
                    return
                }
                // Completed by KafkaConsumer.completeRebalance once the owner has handled it.
                context.recordRebalance(KafkaRebalance(kind: kind, partitions: moved, isIncremental: incremental))
                rd_kafka_yield(handle)
            }
            rd_kafka_conf_set_offset_commit_cb(conf) { _, error, offsets, opaque in
                guard let context = RDKafkaCallbackContext.from(opaque) else { return }
                if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    context.recordError(KafkaError(code: .commitFailed, error, context: "asynchronous commit failed"))
                    return
                }
                guard let offsets else { return }
                for entry in RDKafkaPartitionList.entries(of: offsets) where entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.recordError(
                        KafkaError(code: .commitFailed, entry.error, context: "asynchronous commit of \(entry.offset) failed"))
                }
            }
        }
    }

    /// Hands librdkafka the new assignment: assign/unassign under the eager protocol,
    /// incremental assign/unassign under the cooperative one.
    @discardableResult
    static func applyRebalance(
        _ handle: OpaquePointer, kind: KafkaRebalance.Kind, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        incremental: Bool, logger: Logger
    ) -> KafkaError? {
        if incremental {
            let error = kind == .assigned ? rd_kafka_incremental_assign(handle, list) : rd_kafka_incremental_unassign(handle, list)
            return error.map { KafkaError(code: .consumerOperationFailed, consuming: $0, context: "incremental \(kind) failed") }
        }
        let error = kind == .assigned ? rd_kafka_assign(handle, list) : rd_kafka_assign(handle, nil)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let kafkaError = KafkaError(code: .consumerOperationFailed, error, context: "\(kind) failed")
            logger.error("Kafka assignment change failed", metadata: ["kafka.error": .string(kafkaError.debugDescription)])
            return kafkaError
        }
        return nil
    }
}
