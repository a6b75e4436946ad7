import Foundation
import Hummingbird
import Logging
import SkillStreamAccess
import SkillStreamDomain
import SkillStreamPostgres

/// Turns every error into a problem response (RFC 9457): the API's own ``Problem``s, refused
/// credentials, Hummingbird's (unknown route, unreadable body), PostgreSQL being unreachable
/// (503, retry later) and anything unexpected (500, logged without the request's credentials).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            switch problem.kind {
            case .unavailable: context.logger.warning("PostgreSQL unavailable while answering \(request.method) \(request.uri.path): \(error)")
            case .internal: context.logger.error("Unexpected error answering \(request.method) \(request.uri.path): \(error)")
            default: break
            }
            throw problem
        }
    }

    /// The problem an error is answered with.
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as AccessError: return Problem(error)
        case let error as HTTPError: return problem(error)
        case let error as DecodingError:
            return Problem(.invalidBody, es: "El cuerpo JSON no tiene la forma esperada.", en: "The JSON body does not have the expected shape: \(describe(error))")
        case let error as PostgresError where error.isRetriable || error.code == .closed:
            var problem = Problem(.unavailable, es: "La base de datos no responde; reintente en unos segundos.", en: "The database is not answering; retry in a few seconds.")
            problem.extraHeaders[.retryAfter] = "5"
            return problem
        default:
            return Problem(.internal, es: "Ocurrió un error inesperado.", en: "An unexpected error occurred.")
        }
    }

    static func problem(_ error: HTTPError) -> Problem {
        switch error.status {
        case .notFound: Problem.notFound(es: "No existe ese recurso.", en: "No such resource.")
        case .methodNotAllowed: Problem(.methodNotAllowed, es: "Ese método no se admite aquí.", en: "That method is not supported here.")
        case .contentTooLarge: Problem(.invalidBody, es: "El cuerpo es demasiado grande.", en: "The body is too large.")
        case .badRequest, .unsupportedMediaType: Problem(.invalidBody, es: "La solicitud no se puede leer.", en: error.body ?? "The request cannot be read.")
        default: Problem(.internal, es: "Ocurrió un error inesperado.", en: error.body ?? "An unexpected error occurred.")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            (context.codingPath.map(\.stringValue).joined(separator: ".") + " " + context.debugDescription).trimmingCharacters(in: .whitespaces)
        @unknown default: "unreadable"
        }
    }
}

/// Verifies the bearer token of every request it guards and puts the caller in the context,
/// with the response language; logs each request it lets through (method, path, status,
/// duration, the caller's subject and role — never the token).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authority: TokenAuthority

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.language = Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
        let principal = try await authority.principal(authorization: request.headers[.authorization])
        context.principal = principal
        context.logger[metadataKey: "caller"] = "\(principal.subject)"
        context.logger[metadataKey: "role"] = "\(principal.role.rawValue)"
        let started = ContinuousClock.now
        let logger = context.logger
        func log(_ status: Int) {
            let milliseconds = (ContinuousClock.now - started) / .milliseconds(1)
            logger.info(
                "\(request.method) \(request.uri.path) \(status)",
                metadata: ["status": "\(status)", "duration_ms": "\(String(format: "%.1f", milliseconds))"])
        }
        do {
            var response = try await next(request, context)
            response.headers[.contentLanguage] = context.language.rawValue
            response.headers[.vary] = "Accept-Language, Authorization"
            response.headers[.cacheControl] = "private, no-store"
            log(Int(response.status.code))
            return response
        } catch {
            let problem = ProblemMiddleware<APIRequestContext>.problem(for: error)
            log(Int(problem.status.code))
            throw problem
        }
    }
}
