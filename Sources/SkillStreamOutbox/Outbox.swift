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

    /// Its topic and key: what the outbox keeps in order.
    public var outputKey: Outbox.OutputKey { Outbox.OutputKey(topic: topic, key: key) }
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

    /// What one ``publish(partitions:producer:batch:)`` did.
    public struct Publication: Sendable {
        /// Records the broker acknowledged that left the outbox.
        public var delivered = 0
        /// Records the broker did not take this time (unreachable, timed out, refused): they stay
        /// and are sent again.
        public var refused = 0
        /// Records behind a refused one of the same topic and key, sent or not: they stay too and
        /// go after it, so that the newest version is the last one on the topic.
        public var heldBack = 0
        /// Records the producer refuses for good (``KafkaError/refusesTheRecordForGood``), moved
        /// to the `outbox_parked` table so that they block nothing.
        public var parked = 0
        /// Why the first record refused this time was refused.
        public var refusal: KafkaError?
        /// Why the first record parked was refused.
        public var parking: KafkaError?
        /// The outbox could not be read (PostgreSQL unreachable): nothing was published.
        public var readFailure: (any Error)?
        /// Published rows could not be removed, or refused ones parked: they stay, and published
        /// ones will be published again, with the same ids.
        public var clearFailure: (any Error)?
    }

    /// The topic and key of an output: what the outbox keeps in order.
    public struct OutputKey: Hashable, Sendable {
        public var topic: String
        public var key: [UInt8]?

        public init(topic: String, key: [UInt8]?) {
            self.topic = topic
            self.key = key
        }
    }

    /// What becomes of each row sent in a round, from the broker's reports (in the order written).
    public struct Settlement: Equatable, Sendable {
        /// Delivered: removed from the outbox.
        public var delivered: [Int64] = []
        /// Refused for good: parked, with why.
        public var parked: [Int64: String] = [:]
        /// Refused for now: kept, and its topic and key blocked.
        public var refused: [Int64] = []
        /// Delivered behind a refused row of the same topic and key: kept, to follow it.
        public var heldBack: [Int64] = []
    }

    /// Settles a round: a row refused for now blocks the later rows of its topic and key (added
    /// to `blocked`, which the caller carries to later rounds), not the others; a row refused for
    /// good blocks nothing.
    public static func settle(
        _ rows: [(id: Int64, key: OutputKey)], _ outcomes: [Result<KafkaTopicPartitionOffset, KafkaError>], blocked: inout Set<OutputKey>
    ) -> Settlement {
        var settlement = Settlement()
        for (row, outcome) in zip(rows, outcomes) {
            switch outcome {
            case .success where blocked.contains(row.key): settlement.heldBack.append(row.id)
            case .success: settlement.delivered.append(row.id)
            case .failure(let error) where error.refusesTheRecordForGood: settlement.parked[row.id] = error.debugDescription
            case .failure:
                blocked.insert(row.key)
                settlement.refused.append(row.id)
            }
        }
        return settlement
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

    /// The oldest unpublished records of these partitions (after the row `after`, if given), in
    /// the order they were written.
    public func pending(partitions: [Int32], after: Int64? = nil, limit: Int) async throws -> [Pending] {
        guard !partitions.isEmpty else { return [] }
        let group = self.group
        let list = Self.arrayLiteral(partitions)
        return try await client.withConnection { connection in
            try connection.query(
                """
                SELECT id, topic, message_key, payload, headers::text AS headers,
                       (extract(epoch FROM source_timestamp) * 1000)::bigint AS source_ms
                FROM outbox WHERE consumer_group = $1 AND partition = ANY($2::int[]) AND id > $4 ORDER BY id LIMIT $3
                """, [group, list, limit, after ?? 0]
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
        let list = Self.arrayLiteral(ids)
        _ = try await client.withConnection { connection in try connection.query("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [list]).affectedRows }
    }

    /// Moves rows the producer refuses for good to `outbox_parked`, with why, in one transaction
    /// (never deleted; the runbook says how to send them again once the limit is raised).
    public func park(_ reasons: [Int64: String]) async throws {
        guard !reasons.isEmpty else { return }
        let byReason = Dictionary(grouping: reasons.keys.sorted()) { reasons[$0]! }
        try await client.withConnection { connection in
            try connection.withTransaction { connection in
                for (reason, ids) in byReason.sorted(by: { $0.key < $1.key }) {
                    _ = try connection.query(
                        """
                        WITH moved AS (DELETE FROM outbox WHERE id = ANY($1::bigint[]) RETURNING *)
                        INSERT INTO outbox_parked (id, consumer_group, partition, topic, message_key, payload, headers, source_timestamp, created_at, reason)
                        SELECT id, consumer_group, partition, topic, message_key, payload, headers, source_timestamp, created_at, $2 FROM moved
                        ON CONFLICT (id) DO UPDATE SET reason = EXCLUDED.reason, parked_at = now()
                        """, [Self.arrayLiteral(ids), reason])
                }
            }
        }
    }

    /// Publishes what the outbox holds for these partitions, in the order it was written,
    /// `batch` records at a time, to its end. See ``settle(_:_:blocked:)`` for what stays: a
    /// refused record holds back only its own topic and key, whose later records are then not
    /// even sent. A round the broker took nothing of (it is down) ends the call: the next would
    /// fare no better.
    public func publish(partitions: [Int32], producer: KafkaProducer, batch: Int = 5_000) async -> Publication {
        var publication = Publication()
        var blocked = Set<OutputKey>()
        var after: Int64?
        while true {
            let page: [Pending]
            do {
                page = try await pending(partitions: partitions, after: after, limit: batch)
            } catch {
                publication.readFailure = error
                return publication
            }
            guard let last = page.last else { return publication }
            after = last.id
            let sending = page.filter { !blocked.contains($0.record.outputKey) }
            publication.heldBack += page.count - sending.count
            let reports = await producer.send(
                sending.map { KafkaProducerMessage(topic: $0.record.topic, key: $0.record.key, value: $0.record.value, headers: $0.record.headers) })
            let settlement = Self.settle(
                sending.map { ($0.id, $0.record.outputKey) }, reports.map(\.outcome), blocked: &blocked)
            for report in reports {
                guard case .failure(let error) = report.outcome else { continue }
                if error.refusesTheRecordForGood { publication.parking = publication.parking ?? error } else { publication.refusal = publication.refusal ?? error }
            }
            publication.refused += settlement.refused.count
            publication.heldBack += settlement.heldBack.count
            do {
                try await delete(ids: settlement.delivered)
                publication.delivered += settlement.delivered.count
                try await park(settlement.parked)
                publication.parked += settlement.parked.count
            } catch {
                publication.clearFailure = error
                return publication
            }
            let tookNothing = !sending.isEmpty && settlement.delivered.isEmpty && settlement.heldBack.isEmpty && settlement.parked.isEmpty
            if tookNothing || page.count < batch { return publication }
        }
    }

    /// Integers as a PostgreSQL array literal (`{1,2,3}`), for `= ANY($n::…[])`.
    static func arrayLiteral<Value: BinaryInteger>(_ values: [Value]) -> String { "{" + values.map { String($0) }.joined(separator: ",") + "}" }

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
