import Database
import Foundation

/// The database's schema as plain data: one literal SQL file per version in `Migrations/` (`NNNN_name.sql`, whose first
/// line is `-- <name>`), applied in order by ``Migrator``. A file that has been applied anywhere is never edited: a change
/// is a new file. `schema.sql` beside them is what they add up to (a test keeps it so).
package let databaseMigrations: [Migration] = {
    do {
        return try SchemaMigrations.load()
    } catch {
        fatalError("The schema's migrations cannot be read: \(error)")
    }
}()

package enum SchemaMigrations {
    /// The folder of the migration files this build carries.
    package static var directory: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
                throw SchemaError("the Migrations folder is missing from \(Bundle.module.bundlePath)")
            }
            return url
        }
    }

    /// Every migration file in `directory`, by version.
    package static func load(from directory: URL? = nil) throws -> [Migration] {
        let directory = try directory ?? Self.directory
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        var migrations: [Migration] = []
        for file in files {
            guard let version = Int(file.prefix { $0.isNumber }), file.dropFirst(4).first == "_" else {
                throw SchemaError("\(file) is not named NNNN_name.sql")
            }
            if let last = migrations.last, last.version >= version { throw SchemaError("\(file) repeats version \(version)") }
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            guard text.hasPrefix("-- "), let firstLine = text.split(separator: "\n", maxSplits: 1).first else {
                throw SchemaError("\(file) must start with a line `-- <name>`")
            }
            migrations.append(Migration(version: version, name: String(firstLine.dropFirst(3)), statements: SQLScript.statements(text)))
        }
        return migrations
    }
}

package struct SchemaError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
