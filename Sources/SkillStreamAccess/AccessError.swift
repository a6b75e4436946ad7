/// Why a request's credentials were refused (401) or its action forbidden (403). The reason is
/// safe to show the caller; it never contains the token.
public struct AccessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Code: String, Sendable, Hashable {
        /// No `Authorization: Bearer …` header.
        case missingToken = "missing_token"
        /// Not a JWT, or not readable.
        case malformedToken = "malformed_token"
        /// The signature does not verify with the configured keys.
        case invalidSignature = "invalid_signature"
        /// Signed with an algorithm no key is configured for (or `none`).
        case unsupportedAlgorithm = "unsupported_algorithm"
        /// Past its `exp`.
        case expired
        /// Not yet valid (`nbf`), or issued in the future (`iat`).
        case notYetValid = "not_yet_valid"
        /// Wrong issuer or audience, or a role without the scope it needs.
        case invalidClaims = "invalid_claims"
        /// The caller's role or scope does not cover the resource or action.
        case forbidden
    }

    public var code: Code
    /// A detail in English for logs and the problem response.
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// Whether this is a 401 (credentials) rather than a 403 (scope).
    public var isAuthentication: Bool { code != .forbidden }

    public var description: String { "\(code.rawValue): \(detail)" }
}
