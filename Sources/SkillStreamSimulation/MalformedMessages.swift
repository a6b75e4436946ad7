import SkillStreamDomain
import SkillStreamLearning

/// Turns a valid event's bytes into a malformed message of a chosen kind, each one a case the
/// processor must dead-letter with a known reason code.
enum MalformedMessages {
    /// The kinds, named by the dead-letter reason the processor must give them.
    static let kinds: [Rejection.Reason] = [.malformedJSON, .wrongType, .outOfRange, .oversize, .invalidUTF8, .missingField, .invalidCharacter]

    /// A malformed variant of `bytes` (an event as ``EventEncoder`` writes it) and the reason it must be refused for.
    static func corrupt(_ bytes: [UInt8], random: inout RandomSource) -> (bytes: [UInt8], reason: Rejection.Reason) {
        let kind = kinds[Int(random.nextUnit() * Double(kinds.count))]
        switch kind {
        case .malformedJSON:
            // Cut off mid-message.
            return (Array(bytes.prefix(bytes.count / 2)), kind)
        case .wrongType:
            // The event id as a number instead of a string.
            if let range = stringValue(of: "event_id", in: bytes) {
                return (Array(bytes[..<(range.lowerBound - 1)]) + Array("4242".utf8) + Array(bytes[(range.upperBound + 1)...]), kind)
            }
        case .outOfRange:
            // A satisfaction score of 9, or a table of zero covers.
            if let range = numberValue(of: "customer_satisfaction_score", in: bytes) {
                return (Array(bytes[..<range.lowerBound]) + Array("9".utf8) + Array(bytes[range.upperBound...]), kind)
            }
            if let range = numberValue(of: "covers", in: bytes) {
                return (Array(bytes[..<range.lowerBound]) + Array("0".utf8) + Array(bytes[range.upperBound...]), kind)
            }
        case .oversize:
            // Padded past the 64 KiB limit.
            let padding = Array(",\"padding\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 70 * 1_024) + [UInt8(ascii: "\"")]
            return (Array(bytes.dropLast()) + padding + [UInt8(ascii: "}")], kind)
        case .missingField:
            // No restaurant id.
            if let range = stringValue(of: "restaurant_id", in: bytes) {
                let member = Array(",\"restaurant_id\":".utf8)
                return (Array(bytes[..<(range.lowerBound - 1 - member.count)]) + Array(bytes[(range.upperBound + 1)...]), kind)
            }
        case .invalidCharacter:
            // A NUL, escaped, in the staff id (no database text holds it).
            if let range = stringValue(of: "staff_id", in: bytes) {
                return (Array(bytes[..<range.lowerBound]) + Array("\\u0000".utf8) + Array(bytes[range.lowerBound...]), kind)
            }
        default:
            break
        }
        // Invalid UTF-8 (and the fallback when the chosen field is absent): a lone lead byte
        // inside the event id.
        if let range = stringValue(of: "event_id", in: bytes) {
            var corrupted = bytes
            corrupted[range.lowerBound] = 0xC3
            corrupted.insert(0x28, at: range.lowerBound + 1)
            return (corrupted, .invalidUTF8)
        }
        return (Array(bytes.prefix(bytes.count / 2)), .malformedJSON)
    }

    /// The bytes of a top-level string member's value, between its quotes.
    static func stringValue(of name: String, in bytes: [UInt8]) -> Range<Int>? {
        guard let start = valueStart(of: name, in: bytes), bytes[start] == UInt8(ascii: "\"") else { return nil }
        guard let end = bytes[(start + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return (start + 1)..<end
    }

    /// The bytes of a top-level number member's value.
    static func numberValue(of name: String, in bytes: [UInt8]) -> Range<Int>? {
        guard let start = valueStart(of: name, in: bytes) else { return nil }
        let end = bytes[start...].firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") } ?? bytes.count
        return start..<end
    }

    private static func valueStart(of name: String, in bytes: [UInt8]) -> Int? {
        let pattern = Array("\"\(name)\":".utf8)
        guard bytes.count >= pattern.count else { return nil }
        for index in 0...(bytes.count - pattern.count) where bytes[index] == pattern[0] && Array(bytes[index..<(index + pattern.count)]) == pattern {
            return index + pattern.count
        }
        return nil
    }
}
