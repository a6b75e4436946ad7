import Foundation
import Hummingbird
import SkillStreamDomain

/// A request's query parameters, read strictly: a parameter the endpoint does not know, one
/// given twice, or a value that does not parse is a 400 problem naming the parameter, never
/// silently ignored. Values only ever reach SQL as bound parameters.
struct QueryParameters {
    let parameters: [String: [String]]

    /// Refuses parameters outside `allowed` (plus `limit` and `cursor` when `paged`).
    init(_ request: Request, allowed: Set<String>, paged: Bool = false) throws {
        var parameters: [String: [String]] = [:]
        for (name, value) in request.uri.queryParameters {
            parameters[String(name), default: []].append(String(value))
        }
        let known = paged ? allowed.union(["limit", "cursor"]) : allowed
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            let list = known.sorted().joined(separator: ", ")
            throw Problem.invalid(
                unknown, es: "Parámetro desconocido \(Self.quoted(unknown)); se admiten: \(list).",
                en: "Unknown parameter \(Self.quoted(unknown)); accepted: \(list).")
        }
        if let repeated = parameters.first(where: { $0.value.count > 1 })?.key {
            throw Problem.invalid(repeated, es: "El parámetro \(repeated) aparece más de una vez.", en: "The parameter \(repeated) is given more than once.")
        }
        self.parameters = parameters
    }

    /// A text value (an id), at most `maximumLength` characters and not blank.
    func string(_ name: String, maximumLength: Int = 200) throws -> String? {
        guard let value = parameters[name]?.first else { return nil }
        guard QueryParameters.isIdentifier(value, maximumLength: maximumLength) else {
            throw Problem.invalid(
                name, es: "\(name) debe tener entre 1 y \(maximumLength) caracteres, sin caracteres de control.",
                en: "\(name) must have 1 to \(maximumLength) characters, none of them control characters.")
        }
        return value
    }

    /// One of a vocabulary's words.
    func word<Word: RawRepresentable & CaseIterable>(_ name: String, _: Word.Type) throws -> Word? where Word.RawValue == String {
        guard let value = parameters[name]?.first else { return nil }
        guard let word = Word(rawValue: value) else {
            let list = Word.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem.invalid(name, es: "\(name) debe ser uno de: \(list).", en: "\(name) must be one of: \(list).")
        }
        return word
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = parameters[name]?.first else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw Problem.invalid(
                name, es: "\(name) debe ser un entero entre \(range.lowerBound) y \(range.upperBound).",
                en: "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }

    func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = parameters[name]?.first else { return nil }
        guard let number = Double(value), number.isFinite, range.contains(number) else {
            throw Problem.invalid(
                name, es: "\(name) debe ser un número entre \(range.lowerBound) y \(range.upperBound).",
                en: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }

    /// A day (YYYY-MM-DD, the start of that day in UTC) or an RFC 3339 time, as RFC 3339 text
    /// for a `timestamptz` parameter.
    func time(_ name: String) throws -> String? {
        guard let value = parameters[name]?.first else { return nil }
        if let time = EventTime(rfc3339: value) { return time.description }
        if value.count == 10, let time = EventTime(rfc3339: value + "T00:00:00Z") { return time.description }
        throw Problem.invalid(
            name, es: "\(name) debe ser una fecha AAAA-MM-DD o una hora RFC 3339.", en: "\(name) must be a date YYYY-MM-DD or an RFC 3339 time.")
    }

    /// Whether a text can be an id: 1 to `maximumLength` characters, not blank, no control
    /// characters (a NUL would not survive the trip to PostgreSQL).
    static func isIdentifier(_ value: String, maximumLength: Int) -> Bool {
        !value.isEmpty && value.count <= maximumLength && !value.allSatisfy(\.isWhitespace)
            && !value.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// A name as shown back in an error: printable, and cut short.
    static func quoted(_ text: String) -> String {
        "\"" + String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(40).map(Character.init)) + "\""
    }
}
