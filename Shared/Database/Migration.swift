/// One ordered schema change (a file of `Shared/Schema/Migrations`): its statements run in one transaction, recorded in
/// `schema_migrations`.
package struct Migration: Sendable {
    package var version: Int
    package var name: String
    package var statements: [String]

    package init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
