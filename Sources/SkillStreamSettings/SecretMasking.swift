import Foundation

/// Hides secrets in settings that are shown (`skillstream config print`, logs): a password in a
/// PostgreSQL URL or key=value connection string, the values of librdkafka properties that hold
/// credentials (`sasl.password`, `ssl.key.password`, `sasl.oauthbearer.client.secret`,
/// `sasl.jaas.config`, `ssl.key.pem`, …), and any option named for a secret, password or token
/// (paths to files holding one are shown: the path is not the secret).
public enum SecretMasking {
    public static let mask = "********"

    /// `value` of the option `option`, with any secret in it masked.
    public static func masked(option: String, value: String) -> String {
        if option == "postgres" { return maskedConnectionString(value) }
        if option.hasSuffix("-property"), let equals = value.firstIndex(of: "=") {
            let name = value[..<equals]
            return isSecretProperty(String(name)) ? name + "=" + mask : value
        }
        let secretName = ["secret", "password", "token"].contains { option.contains($0) }
        let isPath = option.hasSuffix("-file") || option.hasSuffix("-key")
        return secretName && !isPath && !value.isEmpty ? mask : value
    }

    /// Whether a librdkafka property holds a credential.
    public static func isSecretProperty(_ name: String) -> Bool {
        let name = name.lowercased()
        return ["password", "secret", "jaas", "key.pem", "token"].contains { name.contains($0) }
    }

    /// A libpq connection string (URL or key=value) with its password masked.
    public static func maskedConnectionString(_ value: String) -> String {
        if let scheme = value.range(of: "://") {
            let rest = value[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            var text = value
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                text = String(value[..<rest.index(after: colon)]) + mask + String(value[at...])
            }
            return replacing(queryPassword, in: text)
        }
        return replacing(keywordPassword, in: value)
    }

    /// `password=…` in a URL's query.
    static let queryPassword = try! NSRegularExpression(pattern: "((?:^|[?&])password=)[^&]*", options: [.caseInsensitive])
    /// `password = …` in libpq's key=value form, the value bare or single-quoted (escaped quotes inside).
    static let keywordPassword = try! NSRegularExpression(
        pattern: "((?:^|\\s)password\\s*=\\s*)(?:'(?:[^'\\\\]|\\\\.)*'?|\\S*)", options: [.caseInsensitive])

    private static func replacing(_ expression: NSRegularExpression, in text: String) -> String {
        expression.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1" + NSRegularExpression.escapedTemplate(for: mask))
    }
}
