import Foundation
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamPostgres

/// One output record for the outbox: where it goes, its key and value, and its headers.
public struct OutboxRecord: Sendable, Hashable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// The Kafka timestamp of the input that caused it, milliseconds (for the latency metric).
    public var sourceTimestamp: Int64?

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], sourceTimestamp: Int64? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.sourceTimestamp = sourceTimestamp
    }
}

/// The transactional outbox (table `outbox`): records written in the same PostgreSQL
/// transaction as the change that caused them, published to Kafka afterwards and removed only
/// once the broker acknowledged them, so a crash in between publishes them again (at least
/// once, with the same key and the same id inside). Rows belong to a consumer group and a
/// partition: the processor's input partitions, or ``apiPartition`` for the API's own events.
public struct Outbox: Sendable {
    /// The partition number of the events the API writes (training enrolments): never an input
    /// partition, so no processor publishes them and the API's own loop does.
    public static let apiPartition: Int32 = -1

    public let client: PostgresClient
    public let group: String

    public init(client: PostgresClient, group: String) {
        self.client = client
        self.group = group
    }

    /// An outbox row waiting to be published.
    public struct Pending: Sendable {
        public var id: Int64
        public var record: OutboxRecord
    }

    /// What one ``publish(partitions:producer:batch:first:)`` did.
    public struct Publication: Sendable {
        /// Records the broker acknowledged that left the outbox.
        public var delivered = 0
        /// Records not published, or published behind one that was not: they stay and are sent
        /// again, in order.
        public var refused = 0
        /// Why the first record the broker did not take was refused.
        public var refusal: KafkaError?
        /// The outbox could not be read (PostgreSQL unreachable): nothing was published.
        public var readFailure: (any Error)?
        /// Published rows could not be removed: they will be published again, with the same ids.
        public var clearFailure: (any Error)?
    }

    /// Writes records for a partition inside the caller's transaction (one COPY).
    public static func write(_ records: [OutboxRecord], group: String, partition: Int32, on connection: PostgresConnection) throws {
        guard !records.isEmpty else { return }
        _ = try connection.copy(
            into: "outbox", columns: ["consumer_group", "partition", "topic", "message_key", "payload", "headers", "source_timestamp"],
            rows: records.map { record in
                [
                    .text(group), .text(String(partition)), .text(record.topic), record.key.map { .bytes($0) } ?? .null, .bytes(record.value),
                    .text(headersJSON(record.headers)),
                    record.sourceTimestamp.map { .text(EventTime(millisecondsSinceEpoch: $0, offsetMinutes: 0).description) } ?? .null,
                ]
            })
    }

    /// The oldest unpublished records of these partitions, in the order they were written.
    public func pending(partitions: [Int32], limit: Int) async throws -> [Pending] {
        guard !partitions.isEmpty else { return [] }
        let group = self.group
        let list = "{" + partitions.map(String.init).joined(separator: ",") + "}"
        return try await client.withConnection { connection in
            try connection.query(
                """
                SELECT id, topic, message_key, payload, headers::text AS headers,
                       (extract(epoch FROM source_timestamp) * 1000)::bigint AS source_ms
                FROM outbox WHERE consumer_group = $1 AND partition = ANY($2::int[]) ORDER BY id LIMIT $3
                """, [group, list, limit]
            ).map { row in
                Pending(
                    id: try row.decode(Int64.self, column: "id"),
                    record: OutboxRecord(
                        topic: try row.decode(String.self, column: "topic"), key: try row.decode([UInt8]?.self, column: "message_key"),
                        value: try row.decode([UInt8].self, column: "payload"), headers: try Self.headers(json: try row.decode(String.self, column: "headers")),
                        sourceTimestamp: try row.decode(Int64?.self, column: "source_ms")))
            }
        }
    }

    /// Removes published records.
    public func delete(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        let list = "{" + ids.map(String.init).joined(separator: ",") + "}"
        _ = try await client.withConnection { connection in try connection.query("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [list]).affectedRows }
    }

    /// Publishes what the outbox holds for these partitions, in the order it was written,
    /// `batch` records at a time (the first time only `first`: one record probes a broker that
    /// refused the last round), until it is empty or a record is refused.
    ///
    /// Only the records before the first refused one leave the outbox: those after it stay even
    /// if the broker took them, and are sent again after it. A topic's readers (the newest
    /// version of an alert wins) then never see an older output after a newer one; they may see
    /// one twice, with the same id.
    public func publish(partitions: [Int32], producer: KafkaProducer, batch: Int = 5_000, first: Int? = nil) async -> Publication {
        var publication = Publication()
        var limit = first ?? batch
        while true {
            let pending: [Pending]
            do {
                pending = try await self.pending(partitions: partitions, limit: limit)
            } catch {
                publication.readFailure = error
                return publication
            }
            guard !pending.isEmpty else { return publication }
            let reports = await producer.send(
                pending.map { KafkaProducerMessage(topic: $0.record.topic, key: $0.record.key, value: $0.record.value, headers: $0.record.headers) })
            let refused = reports.firstIndex { if case .failure = $0.outcome { true } else { false } }
            if let refused, case .failure(let error) = reports[refused].outcome { publication.refusal = error }
            let delivered = pending.prefix(refused ?? pending.count).map(\.id)
            publication.refused += pending.count - delivered.count
            do {
                try await delete(ids: delivered)
            } catch {
                publication.clearFailure = error
                return publication
            }
            publication.delivered += delivered.count
            if refused != nil || pending.count < limit { return publication }
            limit = batch
        }
    }

    /// Headers as stored: [[name, value], …].
    static func headersJSON(_ headers: [KafkaHeader]) -> String {
        let pairs = headers.map { [$0.name, $0.stringValue ?? ""] }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: pairs)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func headers(json: String) throws -> [KafkaHeader] {
        guard let pairs = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String]] else { return [] }
        return pairs.compactMap { $0.count == 2 ? KafkaHeader(name: $0[0], string: $0[1]) : nil }
    }
}
