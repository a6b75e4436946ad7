import Foundation
import Hummingbird
import SkillStreamAccess
import SkillStreamDomain

/// What the API knows about a request beyond the request itself: the verified caller (set by
/// ``AuthenticationMiddleware``) and the response language. Responses write their own JSON
/// (``JSONBody``); Foundation's decoder reads the status-change body.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var language: Language = .es

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }

    /// Small JSON bodies only (status changes).
    public var maxUploadSize: Int { 16 * 1024 }

    public var requestDecoder: JSONDecoder { APIJSON.decoder() }

    /// The caller; every route behind ``AuthenticationMiddleware`` has one.
    func caller() throws -> Principal {
        guard let principal else { throw Problem(AccessError(.missingToken, "send Authorization: Bearer <token>")) }
        return principal
    }
}

/// Foundation's decoder as the API uses it: request bodies and stored JSON in snake_case.
enum APIJSON {
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
