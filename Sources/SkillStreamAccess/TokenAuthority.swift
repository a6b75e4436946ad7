import JWTKit

import Foundation

/// The keys tokens are verified (and, for `token issue`, signed) with: an HS256 shared secret,
/// an RS256 key pair, or both. Tokens say which by their `alg`.
public struct TokenKeys: Sendable {
    /// The HS256 secret, at least 32 bytes.
    public var hmacSecret: [UInt8]?
    /// The RS256 public key (PEM), to verify.
    public var rsaPublicKeyPEM: String?
    /// The RS256 private key (PEM), to sign and verify; only where tokens are issued.
    public var rsaPrivateKeyPEM: String?

    public init(hmacSecret: [UInt8]? = nil, rsaPublicKeyPEM: String? = nil, rsaPrivateKeyPEM: String? = nil) {
        self.hmacSecret = hmacSecret
        self.rsaPublicKeyPEM = rsaPublicKeyPEM
        self.rsaPrivateKeyPEM = rsaPrivateKeyPEM
    }
}

/// Verifies bearer tokens into a ``Principal`` and issues them. A token must be a JWT signed
/// with HS256 or RS256 by a configured key, from the configured issuer and for the configured
/// audience, within its validity, with a scope that fits its role. Nothing here logs a token.
public final class TokenAuthority: Sendable {
    /// The algorithms SkillStream accepts.
    public enum Algorithm: String, Sendable, CaseIterable {
        case hs256 = "HS256", rs256 = "RS256"
    }

    public let issuer: String
    public let audience: String
    private let keys: [Algorithm: JWTKeyCollection]

    public static let minimumSecretBytes = 32

    /// Throws a readable error when no key is given, the secret is short or a PEM is not an RSA
    /// key of at least 2048 bits.
    public init(keys: TokenKeys, issuer: String = "skillstream", audience: String = "skillstream-api") async throws {
        var collections: [Algorithm: JWTKeyCollection] = [:]
        if let secret = keys.hmacSecret {
            guard secret.count >= Self.minimumSecretBytes else {
                throw TokenKeyError("the HS256 secret has \(secret.count) bytes; at least \(Self.minimumSecretBytes) are needed")
            }
            collections[.hs256] = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        do {
            if let pem = keys.rsaPrivateKeyPEM {
                collections[.rs256] = await JWTKeyCollection().add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256)
            } else if let pem = keys.rsaPublicKeyPEM {
                collections[.rs256] = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: pem), digestAlgorithm: .sha256)
            }
        } catch {
            throw TokenKeyError("the RS256 key is not a PEM RSA key of at least 2048 bits (\(error))")
        }
        guard !collections.isEmpty else { throw TokenKeyError("no key: configure an HS256 secret or an RS256 key") }
        self.keys = collections
        self.issuer = issuer
        self.audience = audience
    }

    /// The algorithms tokens may use here.
    public var algorithms: [Algorithm] { Algorithm.allCases.filter { keys[$0] != nil } }

    /// The caller of a request with this `Authorization` header value.
    public func principal(authorization: String?) async throws(AccessError) -> Principal {
        guard let authorization, !authorization.isEmpty else { throw AccessError(.missingToken, "send Authorization: Bearer <token>") }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AccessError(.missingToken, "the Authorization header must be Bearer <token>")
        }
        return try await verify(String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    /// The principal a token stands for, or why it is refused.
    public func verify(_ token: String) async throws(AccessError) -> Principal {
        let algorithm = try Self.algorithm(of: token)
        guard let collection = keys[algorithm] else {
            throw AccessError(.unsupportedAlgorithm, "\(algorithm.rawValue) tokens are not accepted here")
        }
        let claims: AccessClaims
        do {
            claims = try await collection.verify(token, as: AccessClaims.self)
        } catch let error as AccessError {
            throw error
        } catch let error as JWTError {
            throw Self.accessError(error)
        } catch {
            throw AccessError(.malformedToken, "the token's claims are not SkillStream's (sub, iss, aud, iat, exp, role, …)")
        }
        guard claims.issuer.value == issuer else { throw AccessError(.invalidClaims, "the token was not issued by \(issuer)") }
        guard claims.audience.value.contains(audience) else { throw AccessError(.invalidClaims, "the token is not for \(audience)") }
        guard claims.issuedAt.value <= Date().addingTimeInterval(60) else { throw AccessError(.notYetValid, "the token is issued in the future") }
        return Principal(claims: claims)
    }

    /// Signs a token for these claims (their issuer and audience are set to this authority's).
    public func issue(_ claims: AccessClaims, algorithm: Algorithm? = nil) async throws -> String {
        var claims = claims
        claims.issuer = IssuerClaim(value: issuer)
        claims.audience = AudienceClaim(value: [audience])
        try claims.check()
        guard let algorithm = algorithm ?? algorithms.first, let collection = keys[algorithm] else {
            throw TokenKeyError("no key to sign \(algorithm?.rawValue ?? "") tokens with")
        }
        return try await collection.sign(claims)
    }

    /// The token's `alg`, read from its header before any key is chosen, so a token can never
    /// pick the key type it is checked with (no HS256 token checked against an RSA public key).
    static func algorithm(of token: String) throws(AccessError) -> Algorithm {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let header = Base64URL.decode(segments[0]),
            let object = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any]
        else { throw AccessError(.malformedToken, "the bearer token is not a JWT") }
        guard let name = object["alg"] as? String, let algorithm = Algorithm(rawValue: name) else {
            throw AccessError(.unsupportedAlgorithm, "only HS256 and RS256 tokens are accepted")
        }
        return algorithm
    }

    static func accessError(_ error: JWTError) -> AccessError {
        switch error.errorType {
        case .claimVerificationFailure:
            if error.failedClaim is ExpirationClaim { return AccessError(.expired, "the token has expired") }
            if error.failedClaim is NotBeforeClaim { return AccessError(.notYetValid, "the token is not valid yet") }
            return AccessError(.invalidClaims, "a claim does not verify")
        case .signatureVerificationFailed: return AccessError(.invalidSignature, "the token's signature does not verify")
        default: return AccessError(.malformedToken, "the token cannot be read")
        }
    }
}

/// A key configuration that cannot work, in words for the operator.
public struct TokenKeyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// base64url without padding (RFC 4648 §5), as JWT segments and the API's cursors use it.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        String(Data(bytes).base64EncodedString().compactMap { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 })
    }

    /// Nil for text outside the base64url alphabet or not valid base64.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
