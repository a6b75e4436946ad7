import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The claims of a SkillStream bearer token (JWT): who the caller is, their role and the scope
/// the role applies to. Issued by `skillstream token issue` or by the organisation's identity
/// provider with the same claims.
public struct AccessClaims: JWTPayload, Equatable {
    /// The caller (user id or e-mail), recorded with every change they make.
    public var subject: SubjectClaim
    public var issuer: IssuerClaim
    public var audience: AudienceClaim
    public var issuedAt: IssuedAtClaim
    public var expiration: ExpirationClaim
    public var notBefore: NotBeforeClaim?
    public var role: AccessRole
    /// The restaurants a manager, training manager or customer-experience manager may see;
    /// the staff member's own restaurant for `staff`. Empty for owners and operators.
    public var restaurants: [String]
    /// The staff member a `staff` token belongs to.
    public var staffID: String?

    enum CodingKeys: String, CodingKey {
        case subject = "sub", issuer = "iss", audience = "aud", issuedAt = "iat", expiration = "exp", notBefore = "nbf"
        case role, restaurants, staffID = "staff_id"
    }

    public init(
        subject: String, role: AccessRole, restaurants: [String] = [], staffID: String? = nil, issuer: String, audience: String, issuedAt: Date,
        expiresAt: Date
    ) {
        self.subject = SubjectClaim(value: subject)
        self.issuer = IssuerClaim(value: issuer)
        self.audience = AudienceClaim(value: [audience])
        self.issuedAt = IssuedAtClaim(value: issuedAt)
        self.expiration = ExpirationClaim(value: expiresAt)
        self.role = role
        self.restaurants = restaurants
        self.staffID = staffID
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decode(SubjectClaim.self, forKey: .subject)
        issuer = try container.decode(IssuerClaim.self, forKey: .issuer)
        audience = try container.decode(AudienceClaim.self, forKey: .audience)
        issuedAt = try container.decode(IssuedAtClaim.self, forKey: .issuedAt)
        expiration = try container.decode(ExpirationClaim.self, forKey: .expiration)
        notBefore = try container.decodeIfPresent(NotBeforeClaim.self, forKey: .notBefore)
        role = try container.decode(AccessRole.self, forKey: .role)
        restaurants = try container.decodeIfPresent([String].self, forKey: .restaurants) ?? []
        staffID = try container.decodeIfPresent(String.self, forKey: .staffID)
    }

    /// The checks that need no key: the time window and the scope's shape. The issuer and
    /// audience are checked by ``TokenAuthority``.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
        try notBefore?.verifyNotBefore()
        try check()
    }

    /// The scope must fit the role: restaurants for the managers, one restaurant and a staff id
    /// for staff, none for owners and operators.
    func check() throws(AccessError) {
        if subject.value.isEmpty { throw AccessError(.invalidClaims, "the token has no subject") }
        switch role {
        case .owner, .operator:
            if !restaurants.isEmpty || staffID != nil { throw AccessError(.invalidClaims, "an \(role.rawValue) token covers the whole organisation: no restaurants or staff_id") }
        case .manager, .trainingManager, .experienceManager:
            if restaurants.isEmpty || staffID != nil { throw AccessError(.invalidClaims, "a \(role.rawValue) token names its restaurants and no staff_id") }
        case .staff:
            if restaurants.count != 1 || (staffID ?? "").isEmpty { throw AccessError(.invalidClaims, "a staff token names one restaurant and its staff_id") }
        }
    }
}
