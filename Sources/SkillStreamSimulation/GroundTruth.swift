import Foundation
import SkillStreamDomain

/// What really happened in a simulated world, hidden from SkillStream: which skills were truly
/// weak and when, the confounders that were not the staff's fault, each program's true effect,
/// and the faults injected. Written as JSON (format in Schemas/simulation/ground-truth.schema.json)
/// so detection and recommendation quality can be scored against it.
public struct GroundTruth: Codable, Sendable, Hashable {
    /// The format this is (``GroundTruth/format``).
    public var format = GroundTruth.format
    /// The one format there is.
    public static let format = "skillstream.simulation.ground_truth.v1"
    public var seed: UInt64
    /// First instant simulated and the instant the simulation stopped (RFC 3339, −05:00).
    public var start: String
    public var end: String
    /// Latent level (0–1) below which a skill counts as weak.
    public var weakLevel: Double
    public var restaurants: [Restaurant]
    public var staff: [StaffMember]
    public var programs: [Program]
    public var faults: FaultCounts
    /// Records written per topic, faults included.
    public var recordsPerTopic: [String: Int]

    /// A restaurant and the periods when something other than its staff hurt its guests.
    public struct Restaurant: Codable, Sendable, Hashable {
        public var restaurantId: String
        public var name: String
        public var city: String
        public var serviceQualityBenchmark: Double
        public var fineDiningAccreditation: Bool
        public var targetWaitTimeSeconds: Double
        public var confounders: [Confounder]

        enum CodingKeys: String, CodingKey {
            case restaurantId = "restaurant_id"
            case name
            case city
            case serviceQualityBenchmark = "service_quality_benchmark"
            case fineDiningAccreditation = "fine_dining_accreditation"
            case targetWaitTimeSeconds = "target_wait_time_seconds"
            case confounders
        }
    }

    /// `kitchen_bad_month` (food complaints, lower scores for every server) or `busy_night`
    /// (noise complaints at dinner), from `from` (inclusive) to `to` (exclusive).
    public struct Confounder: Codable, Sendable, Hashable {
        public var kind: String
        public var from: String
        public var to: String
    }

    /// One staff member: role, employment, truly weak skills and trainings.
    public struct StaffMember: Codable, Sendable, Hashable {
        public var staffId: String
        public var restaurantId: String
        public var role: String
        public var hiredAt: String
        public var terminatedAt: String?
        public var weakSkills: [WeakPeriod]
        public var trainings: [Training]

        enum CodingKeys: String, CodingKey {
            case staffId = "staff_id"
            case restaurantId = "restaurant_id"
            case role
            case hiredAt = "hired_at"
            case terminatedAt = "terminated_at"
            case weakSkills = "weak_skills"
            case trainings
        }
    }

    /// A skill below the weak level from `from` until `to` (nil: still weak when the
    /// simulation or the employment ended). `cause`: `planted`, `new_hire` or `drift`.
    public struct WeakPeriod: Codable, Sendable, Hashable {
        public var skill: String
        public var from: String
        public var to: String?
        public var cause: String
        /// Lowest latent level reached in the period.
        public var lowestLevel: Double

        enum CodingKeys: String, CodingKey {
            case skill
            case from
            case to
            case cause
            case lowestLevel = "lowest_level"
        }
    }

    /// An enrolment, its completion if it came, and whether it followed a recommendation.
    public struct Training: Codable, Sendable, Hashable {
        public var programId: String
        public var enrolledAt: String
        public var completedAt: String?
        public var recommended: Bool
        /// Latent level per skill the program trains, just before completion and just after.
        public var levelsBefore: [String: Double]?
        public var levelsAfter: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case programId = "program_id"
            case enrolledAt = "enrolled_at"
            case completedAt = "completed_at"
            case recommended
            case levelsBefore = "levels_before"
            case levelsAfter = "levels_after"
        }
    }

    /// A program's true effect: the rise in latent level (0–1) per skill on completion.
    public struct Program: Codable, Sendable, Hashable {
        public var programId: String
        public var effects: [String: Double]

        enum CodingKeys: String, CodingKey {
            case programId = "program_id"
            case effects
        }
    }

    /// Faults injected, and the malformed messages by the dead-letter reason they must get.
    public struct FaultCounts: Codable, Sendable, Hashable {
        public var duplicates = 0
        public var outOfOrder = 0
        public var late = 0
        public var malformedByReason: [String: Int] = [:]

        enum CodingKeys: String, CodingKey {
            case duplicates
            case outOfOrder = "out_of_order"
            case late
            case malformedByReason = "malformed_by_reason"
        }
    }

    /// Deterministic, readable JSON (sorted keys, snake_case).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a ground truth: what ``jsonData()`` wrote, or another world's written to the same
    /// schema. Every time must be RFC 3339, so scoring can rely on them; anything else is an
    /// ``Invalid`` that says where.
    public static func decode(_ data: Data) throws -> GroundTruth {
        let truth: GroundTruth
        do {
            truth = try JSONDecoder().decode(GroundTruth.self, from: data)
        } catch let error as DecodingError {
            throw Invalid(error)
        }
        var times: [(path: String, value: String)] = [("start", truth.start), ("end", truth.end)]
        for (index, restaurant) in truth.restaurants.enumerated() {
            for (number, confounder) in restaurant.confounders.enumerated() {
                let path = "restaurants[\(index)].confounders[\(number)]"
                times += [(path + ".from", confounder.from), (path + ".to", confounder.to)]
            }
        }
        for (index, member) in truth.staff.enumerated() {
            times.append(("staff[\(index)].hired_at", member.hiredAt))
            if let terminatedAt = member.terminatedAt { times.append(("staff[\(index)].terminated_at", terminatedAt)) }
            for (number, period) in member.weakSkills.enumerated() {
                times.append(("staff[\(index)].weak_skills[\(number)].from", period.from))
                if let to = period.to { times.append(("staff[\(index)].weak_skills[\(number)].to", to)) }
            }
        }
        if let bad = times.first(where: { EventTime(rfc3339: $0.value) == nil }) {
            throw Invalid(path: bad.path, problem: "not an RFC 3339 time: \"\(bad.value)\"")
        }
        guard truth.format == GroundTruth.format else { throw Invalid(path: "format", problem: "\"\(truth.format)\", not \"\(GroundTruth.format)\"") }
        for (index, member) in truth.staff.enumerated() {
            if member.staffId.isEmpty { throw Invalid(path: "staff[\(index)].staff_id", problem: "empty") }
            if member.restaurantId.isEmpty { throw Invalid(path: "staff[\(index)].restaurant_id", problem: "empty") }
            for (number, period) in member.weakSkills.enumerated() where Skill(rawValue: period.skill) == nil {
                throw Invalid(path: "staff[\(index)].weak_skills[\(number)].skill", problem: "\"\(period.skill)\" is not one of the contract's skills")
            }
        }
        return truth
    }

    /// A file that is not a ground truth, with the place that says so.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// Where in the document, e.g. `staff[3].weak_skills[0].from` (empty: the whole document).
        public var path: String
        public var problem: String
        public var description: String { "not a ground truth (Schemas/simulation/ground-truth.schema.json): " + (path.isEmpty ? "" : path + ": ") + problem }

        public init(path: String, problem: String) {
            self.path = path
            self.problem = problem
        }

        init(_ error: DecodingError) {
            func path(_ codingPath: [any CodingKey]) -> String {
                let parts = codingPath.map { key -> String in key.intValue.map { "[\($0)]" } ?? "." + key.stringValue }
                return String(parts.joined().drop(while: { (character: Character) in character == "." }))
            }
            switch error {
            case .keyNotFound(let key, let context): self.init(path: path(context.codingPath), problem: "missing \"\(key.stringValue)\"")
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                self.init(path: path(context.codingPath), problem: context.debugDescription)
            @unknown default: self.init(path: "", problem: "\(error)")
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case format
        case seed
        case start
        case end
        case weakLevel = "weak_level"
        case restaurants
        case staff
        case programs
        case faults
        case recordsPerTopic = "records_per_topic"
    }
}
