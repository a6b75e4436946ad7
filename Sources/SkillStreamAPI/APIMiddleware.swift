import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Logging
import SkillStreamAccess
import SkillStreamDomain
import SkillStreamPostgres

/// Turns every error into a problem response (RFC 9457): the API's own ``Problem``s, refused
/// credentials, Hummingbird's (unknown route, unreadable body), PostgreSQL being unreachable
/// (503, retry later — a COMMIT whose outcome is unknown too: the API's one write, a status
/// change, can be repeated safely) and anything unexpected (500, logged without the request's
/// credentials).
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
            // Answered here rather than thrown on, so that the middleware around it (metrics)
            // sees and times the response the caller gets.
            return try problem.response(from: request, context: context)
        }
    }

    /// The problem an error is answered with. Anything not named here (a stored value that does
    /// not decode, say) is the server's fault: 500.
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as AccessError: return Problem(error)
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, es: "El cuerpo de la solicitud es demasiado grande.", en: "The request body is too large.")
        case let error as HTTPError where error.status == .notFound: return Problem.notFound(es: "No existe ese recurso.", en: "No such resource.")
        case let error as HTTPError where error.status == .badRequest:
            return Problem(.invalidBody, es: "La solicitud no se puede leer.", en: error.body ?? "The request cannot be read.")
        case let error as PostgresError where error.isRetriable || error.code == .closed || error.code == .transactionOutcomeUnknown:
            var problem = Problem(.unavailable, es: "La base de datos no responde; reintente en unos segundos.", en: "The database is not answering; retry in a few seconds.")
            problem.extraHeaders[.retryAfter] = "5"
            return problem
        default:
            return Problem(.internal, es: "Ocurrió un error inesperado.", en: "An unexpected error occurred.")
        }
    }
}

/// One log line per request: method, path (never the query or a header), status, duration
/// and, when known, the caller's subject and role.
func logRequest(_ request: Request, status: HTTPResponse.Status, since started: ContinuousClock.Instant, logger: Logger) {
    let milliseconds = (ContinuousClock.now - started) / .milliseconds(1)
    logger.info(
        "\(request.method) \(request.uri.path) \(status.code)",
        metadata: ["status": "\(status.code)", "duration_ms": "\(String(format: "%.1f", milliseconds))"])
}

/// Verifies the bearer token of every request it guards and puts the caller in the context,
/// with the response language; logs each request (``logRequest``), with the caller's subject
/// and role once known — never the token.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authority: TokenAuthority

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.language = Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
        let started = ContinuousClock.now
        do {
            let principal = try await authority.principal(authorization: request.headers[.authorization])
            context.principal = principal
            context.logger[metadataKey: "caller"] = "\(principal.subject)"
            context.logger[metadataKey: "role"] = "\(principal.role.rawValue)"
            var response = try await next(request, context)
            response.headers[.contentLanguage] = context.language.rawValue
            response.headers[.vary] = "Accept-Language, Authorization"
            response.headers[.cacheControl] = "private, no-store"
            logRequest(request, status: response.status, since: started, logger: context.logger)
            return response
        } catch {
            let problem = ProblemMiddleware<APIRequestContext>.problem(for: error)
            logRequest(request, status: problem.status, since: started, logger: context.logger)
            throw problem
        }
    }
}
