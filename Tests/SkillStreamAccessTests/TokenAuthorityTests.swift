import Foundation
import Testing

@testable import SkillStreamAccess

@Suite("Bearer tokens")
struct TokenAuthorityTests {
    static let secret = Array("a-test-secret-of-at-least-32-bytes!!".utf8)

    static func key(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Keys/\(name)", withExtension: "pem"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func claims(_ role: AccessRole, restaurants: [String] = [], staffID: String? = nil, expiresIn: TimeInterval = 3600) -> AccessClaims {
        AccessClaims(
            subject: "ana@example.pe", role: role, restaurants: restaurants, staffID: staffID, issuer: "", audience: "", issuedAt: Date(),
            expiresAt: Date().addingTimeInterval(expiresIn))
    }

    static func accessCode(_ body: () async throws(AccessError) -> Principal) async -> AccessError.Code? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func anHS256TokenIssuedHereVerifiesIntoItsPrincipal() async throws {
        let authority = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret))
        let token = try await authority.issue(Self.claims(.manager, restaurants: ["rest-lima-01", "rest-cusco-02"]))
        let principal = try await authority.principal(authorization: "Bearer \(token)")
        #expect(principal == Principal(subject: "ana@example.pe", role: .manager, restaurants: ["rest-lima-01", "rest-cusco-02"]))
    }

    @Test func anRS256TokenVerifiesWithThePublicKeyAlone() async throws {
        let issuer = try await TokenAuthority(keys: TokenKeys(rsaPrivateKeyPEM: try Self.key("test-rs256-private")))
        let token = try await issuer.issue(Self.claims(.staff, restaurants: ["rest-lima-01"], staffID: "stf-007"))
        let verifier = try await TokenAuthority(keys: TokenKeys(rsaPublicKeyPEM: try Self.key("test-rs256-public")))
        let principal = try await verifier.verify(token)
        #expect(principal.role == .staff && principal.staffID == "stf-007")
    }

    @Test func missingMalformedExpiredAndTamperedTokensAreRefusedWithTheirReason() async throws {
        let authority = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret))
        #expect(await Self.accessCode { () async throws(AccessError) in try await authority.principal(authorization: nil) } == .missingToken)
        #expect(await Self.accessCode { () async throws(AccessError) in try await authority.principal(authorization: "Basic YTpi") } == .missingToken)
        #expect(await Self.accessCode { () async throws(AccessError) in try await authority.verify("not-a-jwt") } == .malformedToken)

        let expired = try await authority.issue(Self.claims(.owner, expiresIn: -10))
        #expect(await Self.accessCode { () async throws(AccessError) in try await authority.verify(expired) } == .expired)

        // The payload changed to another role, the signature kept: refused.
        let token = try await authority.issue(Self.claims(.staff, restaurants: ["rest-lima-01"], staffID: "stf-007"))
        let parts = token.split(separator: ".").map(String.init)
        var payload = try #require(Base64URL.decode(Substring(parts[1])))
        let text = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "\"staff\"", with: "\"owner\"")
        payload = Array(text.utf8)
        let forged = [parts[0], Data(payload).base64EncodedString().replacingOccurrences(of: "=", with: ""), parts[2]].joined(separator: ".")
        #expect(await Self.accessCode { () async throws(AccessError) in try await authority.verify(forged) } == .invalidSignature)

        // Signed with another secret.
        let other = try await TokenAuthority(keys: TokenKeys(hmacSecret: Array("another-secret-that-is-32-bytes-long".utf8)))
        let foreign = try await other.issue(Self.claims(.owner))
        #expect(await Self.accessCode { () async throws(AccessError) in try await authority.verify(foreign) } == .invalidSignature)
    }

    @Test func unsignedTokensAndAlgorithmsWithoutAKeyAreRefused() async throws {
        let rsaOnly = try await TokenAuthority(keys: TokenKeys(rsaPublicKeyPEM: try Self.key("test-rs256-public")))
        let hmac = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret))
        let hmacToken = try await hmac.issue(Self.claims(.owner))
        #expect(await Self.accessCode { () async throws(AccessError) in try await rsaOnly.verify(hmacToken) } == .unsupportedAlgorithm)

        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        let body = hmacToken.split(separator: ".")[1]
        #expect(await Self.accessCode { () async throws(AccessError) in try await hmac.verify("\(header).\(body).") } == .unsupportedAlgorithm)
    }

    @Test func tokensFromAnotherIssuerOrAudienceAreRefused() async throws {
        let ours = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret))
        let theirs = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret), issuer: "someone-else")
        let token = try await theirs.issue(Self.claims(.owner))
        #expect(await Self.accessCode { () async throws(AccessError) in try await ours.verify(token) } == .invalidClaims)
        let otherAudience = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret), audience: "another-api")
        let token2 = try await otherAudience.issue(Self.claims(.owner))
        #expect(await Self.accessCode { () async throws(AccessError) in try await ours.verify(token2) } == .invalidClaims)
    }

    @Test func aScopeThatDoesNotFitTheRoleCannotBeIssued() async throws {
        let authority = try await TokenAuthority(keys: TokenKeys(hmacSecret: Self.secret))
        await #expect(throws: AccessError.self) { try await authority.issue(Self.claims(.manager)) }
        await #expect(throws: AccessError.self) { try await authority.issue(Self.claims(.staff, restaurants: ["rest-lima-01"])) }
        await #expect(throws: AccessError.self) { try await authority.issue(Self.claims(.owner, restaurants: ["rest-lima-01"])) }
    }

    @Test func shortSecretsAndMissingKeysAreConfigurationErrors() async throws {
        await #expect(throws: TokenKeyError.self) { try await TokenAuthority(keys: TokenKeys(hmacSecret: Array("short".utf8))) }
        await #expect(throws: TokenKeyError.self) { try await TokenAuthority(keys: TokenKeys()) }
        await #expect(throws: TokenKeyError.self) { try await TokenAuthority(keys: TokenKeys(rsaPublicKeyPEM: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")) }
    }
}

@Suite("Roles and scopes")
struct PrincipalTests {
    let owner = Principal(subject: "o", role: .owner)
    let manager = Principal(subject: "m", role: .manager, restaurants: ["r1"])
    let trainer = Principal(subject: "t", role: .trainingManager, restaurants: ["r1"])
    let experience = Principal(subject: "c", role: .experienceManager, restaurants: ["r1"])
    let staff = Principal(subject: "s", role: .staff, restaurants: ["r1"], staffID: "s1")
    let operatorPrincipal = Principal(subject: "op", role: .operator)

    @Test func managersSeeThePeopleOfTheirRestaurantsOnly() {
        for principal in [manager, trainer, experience] {
            #expect(principal.mayViewPeople(of: "r1") && principal.mayView(staff: "s9", of: "r1"))
            #expect(!principal.mayViewPeople(of: "r2") && !principal.mayView(staff: "s9", of: "r2") && !principal.mayView(restaurant: "r2"))
        }
        #expect(owner.mayViewPeople(of: "r2") && owner.visibleRestaurants == nil)
    }

    @Test func staffSeeThemselvesAndNoColleague() {
        #expect(staff.mayView(staff: "s1", of: "r1"))
        #expect(!staff.mayView(staff: "s2", of: "r1") && !staff.mayView(staff: "s1", of: "r2"))
        #expect(!staff.mayViewPeople(of: "r1") && !staff.mayManageTraining(of: "r1"))
    }

    @Test func onlyOwnersManagersAndTrainingManagersActOnTraining() {
        #expect(owner.mayManageTraining(of: "r2") && manager.mayManageTraining(of: "r1") && trainer.mayManageTraining(of: "r1"))
        #expect(!trainer.mayManageTraining(of: "r2") && !experience.mayManageTraining(of: "r1") && !operatorPrincipal.mayManageTraining(of: "r1"))
    }

    @Test func operatorsSeeOperationsAndModelQualityButNoPeople() {
        #expect(operatorPrincipal.mayViewOperations && operatorPrincipal.mayViewModelQuality(of: "r1"))
        #expect(!operatorPrincipal.mayViewPeople(of: "r1") && !operatorPrincipal.mayView(staff: "s1", of: "r1"))
        #expect(!manager.mayViewOperations && manager.mayViewModelQuality(of: "r1") && !manager.mayViewModelQuality(of: "r2"))
    }

    @Test func aForbiddenActionSaysWhichRoleAndWhat() {
        #expect(throws: AccessError(.forbidden, "a staff token does not cover the staff list of r1")) {
            try staff.require(staff.mayViewPeople(of: "r1"), "the staff list of r1")
        }
    }
}
