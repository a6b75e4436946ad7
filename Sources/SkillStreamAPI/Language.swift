import SkillStreamDomain

/// The language of a response: Spanish (the product's first market) unless the caller's
/// `Accept-Language` prefers English.
extension Language {
    /// The better of Spanish and English for an `Accept-Language` header (RFC 9110 §12.5.4):
    /// the one with the higher weight; Spanish on a tie, for `*`, or when neither is named.
    static func preferred(acceptLanguage header: String?) -> Language {
        guard let header else { return .es }
        var weights: [Language: Double] = [:]
        var wildcard: Double?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                weight = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            if primary == "*" {
                wildcard = max(wildcard ?? 0, weight)
            } else if let language = Language(rawValue: primary) {
                weights[language] = max(weights[language] ?? 0, weight)
            }
        }
        let spanish = weights[.es] ?? wildcard ?? 0
        let english = weights[.en] ?? wildcard ?? 0
        return english > spanish ? .en : .es
    }

    /// Picks the text of this language.
    func pick(es: String, en: String) -> String { self == .es ? es : en }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
