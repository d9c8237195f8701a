import Foundation
import PostgresNIO

extension GenerationStore {
    /// Live stream tokens kept per generation (a page open in many tabs, reconnects); more push out the oldest.
    package static let maxLiveStreamTokens = 20

    /// Records a stream token (by its hash) for generation `id` of `userID`, valid for `seconds`; returns when it expires,
    /// or nil when the generation is not the user's. Expired tokens are swept by the dispatcher's maintenance.
    package func createStreamToken(hash: String, for id: UUID, userID: UUID, seconds: Int) async throws -> Date? {
        let rows = try await client.query(
            """
            -- At most `maxLiveStreamTokens` live tokens per generation: the oldest give way.
            WITH crowded AS (
                DELETE FROM stream_tokens WHERE token_hash IN (
                    SELECT token_hash FROM stream_tokens WHERE generation_id = \(id) AND expires_at > now()
                    ORDER BY expires_at DESC OFFSET \(Self.maxLiveStreamTokens - 1)
                )
            )
            INSERT INTO stream_tokens (token_hash, generation_id, user_id, expires_at)
            SELECT \(hash), id, user_id, now() + make_interval(secs => \(seconds))
            FROM image_generations WHERE id = \(id) AND user_id = \(userID) AND deleted_at IS NULL
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
            """
            SELECT t.user_id FROM stream_tokens AS t JOIN image_generations AS g ON g.id = t.generation_id
            WHERE t.token_hash = \(hash) AND t.generation_id = \(id) AND t.expires_at > now() AND g.deleted_at IS NULL
            """,
            logger: logger
        )
        for try await user in rows.decode(UUID.self) { return user }
        return nil
    }
}
