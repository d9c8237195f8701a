import Database
import Foundation
import Generations
import JobContract
import JobQueue
import PostgresNIO
import PublicAPI
import Schema
import TestSupport
import Testing

/// The schema is plain data (`Shared/Schema/Migrations/*.sql`), and the Swift code that relies on it agrees with it:
/// changing a constant, a transition or a migration alone fails here until the other side follows.
@Suite("Schema")
struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `pg_dump --schema-only` of `url`, without what differs between two dumps of the same schema.
    static func dump(_ url: DatabaseURL) throws -> String {
        let binDirectories =
            [ProcessInfo.processInfo.environment["PG_BIN"]].compactMap { $0 }
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed().map {
                "/usr/lib/postgresql/\($0)/bin"
            }
        guard let pgDump = binDirectories.map({ $0 + "/pg_dump" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw TestEnvironmentError(description: "pg_dump not found (PG_BIN or /usr/lib/postgresql/*/bin)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgDump)
        process.arguments = [
            "--schema-only", "--no-owner", "--no-privileges",
            "postgres://\(url.username)@\(url.host):\(url.port)/\(url.database)?sslmode=disable",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestEnvironmentError(description: "pg_dump failed (\(process.terminationStatus))") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .filter {
                !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") && !$0.hasPrefix("-- Dumped from") && !$0.hasPrefix("-- Dumped by")
            }
            .joined(separator: "\n")
    }

    /// A new empty database migrated with `migrations`, then with every migration; its dump.
    static func migratedDump(first migrations: [Migration]? = nil) async throws -> String {
        let url = try await TestDatabase.createEmpty()
        try await withPostgresClient(url, logger: TestDatabase.logger) { client in
            if let migrations { try await Migrator(client: client, migrations: migrations, logger: TestDatabase.logger).migrate() }
            try await Migrator(client: client, migrations: databaseMigrations, logger: TestDatabase.logger).migrate()
        }
        return try dump(url)
    }

    /// Compares with the committed `schema.sql`; on a difference, writes what it got beside the build for a look (and, when
    /// the change is meant, to copy over `schema.sql`).
    static func expectCommittedSchema(_ dump: String) throws {
        let committed = try String(contentsOf: root.appendingPathComponent("Shared/Schema/schema.sql"), encoding: .utf8)
        if dump != committed {
            let actual = root.appendingPathComponent(".build/schema.actual.sql")
            try dump.write(to: actual, atomically: true, encoding: .utf8)
            Issue.record(
                "The migrated schema differs from Shared/Schema/schema.sql: diff it with \(actual.path) (copy it over when the change is meant)")
        }
    }

    @Test("A fresh migrate gives exactly the committed schema.sql")
    func freshMigrateIsTheDump() async throws {
        try Self.expectCommittedSchema(try await Self.migratedDump())
    }

    @Test("A database at the previous head migrates to the head, and its schema equals schema.sql")
    func upgradeFromPreviousHead() async throws {
        try Self.expectCommittedSchema(try await Self.migratedDump(first: Array(databaseMigrations.dropLast())))
    }

    @Test("Migration files are numbered in order without gaps, each named by its first line")
    func files() throws {
        #expect(databaseMigrations.map(\.version) == Array(1...databaseMigrations.count))
        #expect(databaseMigrations.allSatisfy { !$0.name.isEmpty && !$0.statements.isEmpty })
    }

    @Test("The guard trigger accepts exactly GenerationTransition's status changes, and the event log names each one's event")
    func guardTriggerIsTheStateMachine() async throws {
        try await TestDatabase.withClient { client, _ in
            let allowed = Dictionary(
                uniqueKeysWithValues: GenerationTransition.allowedChanges.map { ("\($0.from.rawValue)>\($0.to.rawValue)", $0.event) })
            var accepted: [String: String] = [:]
            for from in GenerationStatus.allCases {
                for to in GenerationStatus.allCases where to != from {
                    let id = try await insertGeneration(client, status: from.rawValue)
                    do {
                        try await client.query("UPDATE image_generations SET status = \(to.rawValue) WHERE id = \(id)")
                        accepted["\(from.rawValue)>\(to.rawValue)"] = try await scalar(
                            client, "SELECT event FROM generation_events WHERE generation_id = \(id) ORDER BY id DESC LIMIT 1", as: String.self
                        )
                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23514" {
                        // check_violation: refused.
                    }
                }
            }
            #expect(accepted == allowed)
        }
    }

    @Test("The constants the migrations wrote down equal the Swift ones")
    func constants() async throws {
        try await TestDatabase.withClient { client, _ in
            func function(_ name: String) async throws -> String {
                try await scalar(client, "SELECT pg_get_functiondef(\(name)::regproc)", as: String.self)
            }
            let column: PostgresQuery =
                "SELECT column_default FROM information_schema.columns WHERE table_name = 'job_queue' AND column_name = 'max_attempts'"
            #expect(try await scalar(client, column, as: String.self) == "\(NewJob.defaultMaxAttempts)")
            let webhook = try await function("imagegen_enqueue_webhook")
            #expect(webhook.contains("'\(DeliverWebhook.name)'"))
            #expect(webhook.contains("\n        \(DeliverWebhook.maxAttempts),\n"), "the delivery's attempts")
            let terminal = "(" + GenerationStatus.allCases.filter(\.isTerminal).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
            #expect(webhook.contains("NEW.status IN \(terminal)"))
            let dead = try await function("imagegen_on_job_dead")
            #expect(dead.contains("p_job_type IN ('\(GenerateImage.name)', '\(DownloadImage.name)')"))
            #expect(dead.contains("error_code = '\(GenerationFailure.unavailable.code)'"))
            #expect(dead.contains("error_message = '\(GenerationFailure.unavailable.message)'"))
            #expect(dead.contains(GenerationTransition.fail.setSQL) && dead.contains(GenerationTransition.fail.guardSQL))
            let revived = try await function("imagegen_on_job_revived")
            for (job, transition) in [(GenerateImage.name, GenerationTransition.revive), (DownloadImage.name, .reviveDownload)] {
                #expect(revived.contains("p_job_type = '\(job)'"))
                #expect(revived.contains(transition.setSQL) && revived.contains(transition.guardSQL))
            }
            #expect(try await function("imagegen_record_generation_event").contains("'\(GenerationTransition.create.event)'"))
        }
    }

    @Test("A script splits at semicolons outside quotes, quoted names, dollar-quoted bodies and comments")
    func scriptSplitting() {
        let script = """
            -- a heading; not a statement
            CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine');
            /* a block; comment */
            CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
            SELECT $$;$$, $1;
            -- trailing; comment only
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3, "\(statements)")
        #expect(statements.first?.hasSuffix(#"CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine')"#) == true)
        #expect(statements.dropFirst().first?.hasSuffix("$body$ LANGUAGE plpgsql") == true)
        #expect(statements.last == "SELECT $$;$$, $1")
    }
}
