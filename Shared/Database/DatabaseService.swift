import Logging
import PostgresNIO
import ServiceKit

extension PostgresClient {
    /// A readiness check that runs `SELECT 1`.
    package var readinessCheck: ReadinessCheck {
        ReadinessCheck("postgres") { [self] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.query("SELECT 1") }
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    throw ConfigURLError("database did not answer within 2 s")
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
