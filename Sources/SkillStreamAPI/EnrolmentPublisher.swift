import Foundation
import Logging
import Metrics
import SkillStreamDomain
import SkillStreamKafka
import SkillStreamOutbox

/// Closes the training loop from the API: an assigned recommendation becomes an
/// `hr.staff-events` training_enrolled event, written to the outbox with the assignment and
/// published right after it, and again by ``run()`` every few seconds for whatever a crash or a
/// broker outage left behind. Its event id is derived from the recommendation, so a republished
/// event is a duplicate the processor skips.
public struct EnrolmentPublisher: Sendable {
    public let outbox: Outbox
    public let producer: KafkaProducer?
    /// `hr.staff-events` with the deployment's prefix.
    public let topic: String
    let logger: Logger
    /// Enrolment events the producer refuses for good, moved to `outbox_parked`: the processor's
    /// counter of parked outputs, so that the same alert rule watches both.
    private let parked = Counter(label: "skillstream_outputs_parked_total")

    public init(outbox: Outbox, producer: KafkaProducer?, topic: String, logger: Logger) {
        self.outbox = outbox
        self.producer = producer
        self.topic = topic
        self.logger = logger
    }

    /// The training_enrolled event of an assignment, keyed by restaurant (the input topics'
    /// partitioning), stamped now in the restaurant's time zone.
    func record(recommendationID: String, restaurantID: String, staffID: String, programID: String, timezone: String?, now: Date = Date()) -> OutboxRecord {
        let offsetSeconds = timezone.flatMap(TimeZone.init(identifier:))?.secondsFromGMT(for: now) ?? 0
        let event = StaffEvent(
            header: EventHeader(
                eventID: APIStore.enrolmentEventID(recommendationID),
                occurredAt: EventTime(millisecondsSinceEpoch: Int64((now.timeIntervalSince1970 * 1_000).rounded()), offsetMinutes: Int16(offsetSeconds / 60)),
                restaurantID: restaurantID),
            staffID: staffID, type: .trainingEnrolled, programID: programID)
        return OutboxRecord(topic: topic, key: Array(restaurantID.utf8), value: EventEncoder.encode(.staffEvent(event)))
    }

    /// Publishes the API's pending events now.
    func publishPending() async {
        guard let producer else { return }
        let publication = await outbox.publish(partitions: [Outbox.apiPartition], producer: producer, batch: 500)
        if let failure = publication.readFailure { logger.warning("Could not read the API's outbox (retried shortly): \(failure)") }
        if publication.refused > 0 {
            logger.warning(
                "The broker did not take \(publication.refused) enrolment event(s); they stay in the outbox and are retried: \(publication.refusal.map { "\($0)" } ?? "")")
        }
        if publication.parked > 0 {
            parked.increment(by: publication.parked)
            logger.error(
                "The producer refuses \(publication.parked) enrolment event(s) for good; they were moved to the outbox_parked table (see Deploy/RUNBOOK.md, Parked outputs): \(publication.parking.map { "\($0)" } ?? "")")
        }
        if let failure = publication.clearFailure { logger.warning("Could not clear published enrolment events (they will be published again, with the same ids): \(failure)") }
        if publication.delivered > 0 { logger.info("Published \(publication.delivered) training enrolment event(s) to \(topic)") }
    }

    /// Publishes pending events every `interval` until cancelled.
    func run(every interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            await publishPending()
            try? await Task.sleep(for: interval)
        }
    }
}
