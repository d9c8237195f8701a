import Foundation
import PostgresNIO
import ServiceKit

/// `DATABASE_URL` (`postgres://user:pass@host:port/db?sslmode=disable|prefer|require`) as a PostgresNIO configuration.
package struct DatabaseURL: Sendable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var username: String
    package var password: String?
    package var database: String
    package var sslMode: String
    /// The server's own URL when this one is a transaction-mode pooler's (PgBouncer; `DATABASE_DIRECT_URL`), as parsed:
    /// sessions that must stay on one server connection (LISTEN, the migrator's advisory lock) go there. Nil: this URL is
    /// the server's own.
    private var directURL: String?

    /// Whether this URL goes through a transaction-mode pooler.
    package var pooled: Bool { directURL != nil }

    /// Where a session that must keep its server connection goes: the direct URL behind a pooler, else this one.
    package var session: DatabaseURL {
        guard let directURL, var direct = try? DatabaseURL(directURL) else { return self }
        direct.database = database
        return direct
    }

    /// This URL as a transaction-mode pooler's in front of the server at `direct` (which `session` then names, with this
    /// URL's database).
    package func pooled(direct: String) throws(ConfigURLError) -> DatabaseURL {
        _ = try DatabaseURL(direct)
        var copy = self
        copy.directURL = direct
        return copy
    }

    /// Parses `raw`; throws a message naming what is wrong (never echoing the password).
    package init(_ raw: String) throws(ConfigURLError) {
        guard let components = URLComponents(string: raw), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw ConfigURLError("DATABASE_URL must look like postgres://user:pass@host:port/db")
        }
        guard let host = components.host, !host.isEmpty else { throw ConfigURLError("DATABASE_URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw ConfigURLError("DATABASE_URL has no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw ConfigURLError("DATABASE_URL has no database name") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard ["disable", "prefer", "require", "allow"].contains(sslMode) else {
            throw ConfigURLError("DATABASE_URL sslmode must be disable, prefer or require, got '\(sslMode)'")
        }
    }

    /// The URL with the password masked, for logs.
    package var description: String {
        "postgres://\(username):***@\(host):\(port)/\(database)?sslmode=\(sslMode)" + (pooled ? " (a pooler's; sessions to \(session))" : "")
    }

    /// This URL pointing at another database on the same server.
    package func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// A pool configuration with at most `maxConnections` connections. With `durableCommits: false` the pool's sessions
    /// run with `synchronous_commit = off`: a commit returns before its WAL reaches disk, so a PostgreSQL crash may forget
    /// the last fraction of a second of them (never corrupting anything). Only for writes that are safe to lose that way.
    /// With `deferNotifications`, the sessions' triggers queue their notifications until the writer publishes them after
    /// commit (migration 4; write through `withPublishedNotifications` / `withNotifyingTransaction`).
    /// With `genericPlans`, prepared statements are planned once per session (`plan_cache_mode = force_generic_plan`)
    /// instead of on every execution, and only through indexes (`enable_seqscan = off`): for sessions whose statements
    /// all reach their rows through an index by design (the job queue's), so that one plan fits every argument. Without
    /// the second setting, a plan made while the table was still small would scan it whole for as long as it is kept.
    /// Behind a transaction-mode pooler (``pooled``) none of these apply: a pooler neither accepts nor keeps a session's
    /// settings, so commits are durable, triggers notify at commit, and plans are made per execution; and this process's
    /// prepared statements run unnamed (``PreparedStatements``), since one prepared on a server connection is not on the next.
    package func clientConfiguration(
        maxConnections: Int = 20, durableCommits: Bool = true, deferNotifications: Bool = false, genericPlans: Bool = false
    ) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable", "allow": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        if pooled {
            PreparedStatements.runUnnamed()
            return configuration
        }
        if !durableCommits { configuration.options.additionalStartupParameters.append(("synchronous_commit", "off")) }
        if deferNotifications {
            configuration.options.additionalStartupParameters.append(("imagegen.defer_notify", "on"))
            DeferredNotifications.use()
        }
        if genericPlans {
            configuration.options.additionalStartupParameters.append(("plan_cache_mode", "force_generic_plan"))
            configuration.options.additionalStartupParameters.append(("enable_seqscan", "off"))
            // A statement with no index to use still scans, at a cost inflated past JIT's threshold: keep JIT out of it.
            configuration.options.additionalStartupParameters.append(("jit", "off"))
        }
        return configuration
    }

    /// A single-connection configuration (for LISTEN and one-off work).
    package var connectionConfiguration: PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable", "allow": tls = .disable
        case "require": tls = .require(try! .init(configuration: .makeClientConfiguration()))
        default: tls = .prefer(try! .init(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
    }
}

/// A malformed connection URL.
package struct ConfigURLError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

extension ConfigLoader {
    /// `DATABASE_URL`, required and parsed, with `DATABASE_DIRECT_URL` when it is set (then `DATABASE_URL` is taken to be
    /// a transaction-mode pooler's, and the direct URL the server's own, for LISTEN and migrations); a problem is recorded
    /// (and a placeholder returned) when one is missing or malformed.
    package mutating func databaseURL() -> DatabaseURL {
        let raw = required("DATABASE_URL")
        let direct = optional("DATABASE_DIRECT_URL")
        let url: DatabaseURL
        do {
            url = try DatabaseURL(raw)
        } catch {
            if !raw.isEmpty { problem(error.description) }
            return try! DatabaseURL("postgres://invalid@invalid/invalid")
        }
        guard let direct else { return url }
        do {
            return try url.pooled(direct: direct)
        } catch {
            problem("DATABASE_DIRECT_URL: " + error.description)
            return url
        }
    }
}
