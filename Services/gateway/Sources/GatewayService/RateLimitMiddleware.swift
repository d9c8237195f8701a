import Foundation
import Generations
import HTTPTypes
import Hummingbird
import ServiceKit

/// Rate limits on every write, shared by all gateways (token buckets in PostgreSQL, ``RateBuckets``): creates
/// (generations, batches, the legacy start) take from the user's create bucket (`GATEWAY_RATE_PER_MINUTE`), every other
/// write (cancels, deletes, uploads, stream tokens, keys, secret rotation, the account webhook) from the user's write
/// bucket (`GATEWAY_WRITE_RATE_PER_MINUTE`), a create of a member of a project with a rate also from the project's
/// (its members and keys together; memberships and rates read at most a second ago), and a request made with an API key
/// that has its own rate also from the key's; all at once, in one statement, all or none. A project's own user (its
/// keys') has no create bucket of a user's: its creates answer to the project's rate and their keys' alone. Every limited answer carries the IETF draft's `RateLimit-Limit`,
/// `RateLimit-Remaining` and `RateLimit-Reset` of its tightest bucket (`Reset`: seconds until it is full again); past a
/// limit the answer is 429 with `Retry-After` (seconds until a token). A request that cannot be authenticated is passed
/// on unlimited, to be refused by its handler.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let buckets: RateBuckets
    let auth: UserAuthenticator
    let createsPerMinute: Int
    let writesPerMinute: Int
    /// Projects and the members of those with a rate.
    let projectRates: SharedRead<ProjectStore.Rates>

    init(buckets: RateBuckets, auth: UserAuthenticator, createsPerMinute: Int, writesPerMinute: Int, projects: ProjectStore) {
        self.buckets = buckets
        self.auth = auth
        self.createsPerMinute = createsPerMinute
        self.writesPerMinute = writesPerMinute
        projectRates = SharedRead(freshFor: .seconds(1)) { try await projects.rates() }
    }

    /// Which bucket a route takes from; nil for reads and for what is not a user's (Replicate's webhook).
    enum Kind: String { case create, write }

    static func kind(method: HTTPRequest.Method, path: String) -> Kind? {
        guard method != .get, method != .head, method != .options else { return nil }
        if path == "/v1/generations" || path == "/v1/batches" || path == "/functions/v1/start-generation" { return .create }
        guard path.hasPrefix("/v1/"), path != "/v1/replicate/webhook" else { return nil }
        return .write
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let kind = Self.kind(method: request.method, path: request.uri.path),
            let caller = try? await auth.caller(from: request.bearerToken)
        else { return try await next(request, context) }
        let projects = try await projectRates.value()
        var limits: [(subject: String, perMinute: Int)] = []
        if kind == .write || !projects.projects.contains(caller.user) {
            limits.append(("\(kind.rawValue):user:\(caller.user.lowercase)", kind == .create ? createsPerMinute : writesPerMinute))
        }
        if kind == .create, let (project, rate) = projects.members[caller.user] {
            limits.append(("create:project:\(project.lowercase)", rate))
        }
        if let key = RequestKey.current, let rate = key.ratePerMinute { limits.append(("key:\(key.id.lowercase)", rate)) }
        guard !limits.isEmpty else { return try await next(request, context) }
        let (taken, state) = try await buckets.take(limits)
        // The bucket that refused, else the one with the fewest tokens left.
        guard let tightest = state.min(by: { $0.tokens < $1.tokens }) else { return try await next(request, context) }
        let rate = Double(tightest.perMinute)
        var headers: HTTPFields = [
            HTTPField.Name("RateLimit-Limit")!: String(tightest.perMinute),
            HTTPField.Name("RateLimit-Remaining")!: String(max(0, Int(tightest.tokens.rounded(.down)))),
            HTTPField.Name("RateLimit-Reset")!: String(max(0, Int(((rate - tightest.tokens) * 60 / rate).rounded(.up)))),
        ]
        guard taken else {
            let seconds = max(1, Int(((1 - tightest.tokens) * 60 / rate).rounded(.up)))
            let what =
                tightest.subject.hasPrefix("key:")
                ? "requests with this API key"
                : tightest.subject.hasPrefix("create:project:")
                    ? "generation requests in your project" : kind == .create ? "generation requests" : "writes"
            var problem = Problem(.tooManyRequests, detail: "More than \(tightest.perMinute) \(what) a minute", retryAfterSeconds: seconds)
            problem.headers = headers
            throw problem
        }
        do {
            var response = try await next(request, context)
            for field in headers { response.headers[field.name] = field.value }
            return response
        } catch var problem as Problem {
            for field in problem.headers { headers[field.name] = field.value }
            problem.headers = headers
            throw problem
        }
    }
}
