import Foundation
import HTTPTypes
import Hummingbird
import SkillStreamAccess
import SkillStreamDomain

/// An error response as RFC 9457 problem details (`application/problem+json`): a stable type
/// URI per kind of problem, a title and a detail in the caller's language, and extension
/// members (`parameter`, `code`) where they help a client react.
public struct Problem: HTTPResponseError, Sendable {
    /// The kinds of problem the API answers with, each with its status and its titles.
    public enum Kind: String, Sendable, CaseIterable {
        case unauthorized, forbidden
        case notFound = "not-found"
        case invalidParameter = "invalid-parameter"
        case invalidBody = "invalid-body"
        case conflict
        case contentTooLarge = "content-too-large"
        case unavailable, `internal`

        public var status: HTTPResponse.Status {
            switch self {
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .invalidParameter, .invalidBody: .badRequest
            case .conflict: .conflict
            case .contentTooLarge: .contentTooLarge
            case .unavailable: .serviceUnavailable
            case .internal: .internalServerError
            }
        }

        func title(_ language: Language) -> String {
            switch self {
            case .unauthorized: language.pick(es: "Se requiere una credencial válida", en: "A valid credential is required")
            case .forbidden: language.pick(es: "Acceso no permitido", en: "Access not allowed")
            case .notFound: language.pick(es: "No encontrado", en: "Not found")
            case .invalidParameter: language.pick(es: "Parámetro no válido", en: "Invalid parameter")
            case .invalidBody: language.pick(es: "Cuerpo de la solicitud no válido", en: "Invalid request body")
            case .conflict: language.pick(es: "Conflicto con el estado actual", en: "Conflict with the current state")
            case .contentTooLarge: language.pick(es: "Cuerpo demasiado grande", en: "Body too large")
            case .unavailable: language.pick(es: "Servicio no disponible por el momento", en: "Service temporarily unavailable")
            case .internal: language.pick(es: "Error interno", en: "Internal error")
            }
        }

        /// The problem type's URI.
        public var type: String { "https://skillstream.example/problems/\(rawValue)" }
    }

    public var kind: Kind
    public var detailES: String
    public var detailEN: String
    /// The query or path parameter at fault, for `invalid-parameter`.
    public var parameter: String?
    /// A machine-readable reason (e.g. the access error's code).
    public var code: String?
    public var extraHeaders: HTTPFields = [:]

    public init(_ kind: Kind, es: String, en: String, parameter: String? = nil, code: String? = nil) {
        self.kind = kind
        self.detailES = es
        self.detailEN = en
        self.parameter = parameter
        self.code = code
    }

    public var status: HTTPResponse.Status { kind.status }

    static func notFound(es: String, en: String) -> Problem { Problem(.notFound, es: es, en: en) }

    static func invalid(_ parameter: String, es: String, en: String) -> Problem {
        Problem(.invalidParameter, es: es, en: en, parameter: parameter)
    }

    /// A refused credential (401, with the `WWW-Authenticate` challenge of RFC 6750) or a
    /// forbidden scope (403). The token itself is never repeated.
    init(_ error: AccessError) {
        if error.isAuthentication {
            self.init(.unauthorized, es: Self.spanish(error.code), en: error.detail, code: error.code.rawValue)
            let description = error.code == .missingToken ? "" : ", error=\"invalid_token\""
            extraHeaders[.wwwAuthenticate] = "Bearer realm=\"skillstream\"\(description)"
        } else {
            self.init(.forbidden, es: "Su rol o alcance no cubre este recurso.", en: error.detail, code: error.code.rawValue)
        }
    }

    static func spanish(_ code: AccessError.Code) -> String {
        switch code {
        case .missingToken: "Envíe Authorization: Bearer <token>."
        case .malformedToken: "El token no es un JWT legible."
        case .invalidSignature: "La firma del token no es válida."
        case .unsupportedAlgorithm: "El token usa un algoritmo no aceptado (solo HS256 o RS256 configurados)."
        case .expired: "El token ha expirado."
        case .notYetValid: "El token aún no es válido."
        case .invalidClaims: "Los datos del token (emisor, audiencia, rol o alcance) no son válidos."
        case .forbidden: "Su rol o alcance no cubre este recurso."
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let language = Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
        var object: [String: Any] = [
            "type": kind.type, "title": kind.title(language), "status": Int(status.code), "detail": language.pick(es: detailES, en: detailEN),
            "instance": request.uri.path,
        ]
        if let parameter { object["parameter"] = parameter }
        if let code { object["code"] = code }
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        headers[.contentLanguage] = language.rawValue
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
