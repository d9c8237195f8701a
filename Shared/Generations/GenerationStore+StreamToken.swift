import Foundation
import PostgresNIO

extension GenerationStore {
    /// Records a stream token (by its hash) for generation `id` of `userID`, valid for `seconds`; returns when it expires,
    /// or nil when the generation is not the user's. Expired tokens are swept by the same statement.
    package func createStreamToken(hash: String, for id: UUID, userID: UUID, seconds: Int) async throws -> Date? {
        let rows = try await client.query(
            """
            WITH swept AS (DELETE FROM stream_tokens WHERE expires_at < now() - interval '1 hour')
            INSERT INTO stream_tokens (token_hash, generation_id, user_id, expires_at)
            SELECT \(hash), id, user_id, now() + make_interval(secs => \(seconds))
            FROM image_generations WHERE id = \(id) AND user_id = \(userID)
            RETURNING expires_at
            """,
            logger: logger
        )
        for try await expiry in rows.decode(Date.self) { return expiry }
        return nil
    }

    /// The user a live stream token for generation `id` was made for, if any.
    package func streamTokenUser(hash: String, for id: UUID) async throws -> UUID? {
        let rows = try await client.query(
            "SELECT user_id FROM stream_tokens WHERE token_hash = \(hash) AND generation_id = \(id) AND expires_at > now()",
            logger: logger
        )
        for try await user in rows.decode(UUID.self) { return user }
        return nil
    }
}
