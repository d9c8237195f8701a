/// One ordered schema change: statements run in one transaction and recorded in `schema_migrations`.
package struct Migration: Sendable {
    package var version: Int
    package var name: String
    package var statements: [String]

    package init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// The schema of a whole database from its owners' parts (each owner's migrations for the tables it owns), one
    /// migration per version holding the owners' statements in the order given. Append new versions; never edit an
    /// applied one.
    package static func merged(_ owners: [Migration]...) -> [Migration] {
        var byVersion: [Int: Migration] = [:]
        for part in owners.joined() {
            if byVersion[part.version] == nil {
                byVersion[part.version] = part
            } else {
                byVersion[part.version]!.statements += part.statements
            }
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }
}

/// The database's own part: functions every owner's triggers use.
package let sharedFunctionMigrations: [Migration] = [
    Migration(version: 1, name: "generations, jobs, images", statements: [
        // updated_at follows every change, whoever writes it.
        // updated_at follows every change, whoever writes it.
        """
        CREATE FUNCTION imagegen_touch_updated_at() RETURNS trigger AS $$
        BEGIN
            NEW.updated_at = now();
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
    ]),
    Migration(version: 4, name: "notifications after commit", statements: notificationsAfterCommit),
    Migration(version: 7, name: "one owner per contract", statements: [
        // Publishing forgets the queued notifications first and skips one that cannot be sent, so a bad payload can
        // neither fail the write that queued it (already committed) nor stay queued to fail every later one.
        """
        CREATE OR REPLACE FUNCTION imagegen_publish_notifications() RETURNS integer AS $$
        DECLARE
            v_pending jsonb := COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb;
            v_sent integer := 0;
            v_notification jsonb;
        BEGIN
            PERFORM set_config('imagegen.deferred_notifications', '', false);
            FOR v_notification IN SELECT * FROM jsonb_array_elements(v_pending) LOOP
                BEGIN
                    PERFORM pg_notify(v_notification->>0, v_notification->>1);
                    v_sent := v_sent + 1;
                EXCEPTION WHEN OTHERS THEN
                    RAISE WARNING 'notification on % not sent: %', v_notification->>0, SQLERRM;
                END;
            END LOOP;
            RETURN v_sent;
        END;
        $$ LANGUAGE plpgsql
        """,
    ]),
]

/// PostgreSQL serialises the commits of every transaction that sent a NOTIFY, on one lock held until the WAL is flushed,
/// so under load durable writes that notify queue behind each other. A session that sets `imagegen.defer_notify = on`
/// keeps its triggers' notifications in a session variable instead (rolled back with its transaction) and sends them with
/// `imagegen_publish_notifications()` after the commit, in a transaction that writes nothing, so holds that lock only for
/// a moment. Other sessions notify as before. A notification lost to a crash between the two is covered by the
/// listeners' poll and resync.
private let notificationsAfterCommit: [String] = [
    """
    CREATE FUNCTION imagegen_notify(p_channel text, p_payload text) RETURNS void AS $$
    BEGIN
        IF current_setting('imagegen.defer_notify', true) = 'on' THEN
            PERFORM set_config('imagegen.deferred_notifications',
                (COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb
                    || jsonb_build_array(jsonb_build_array(p_channel, p_payload)))::text,
                false);
        ELSE
            PERFORM pg_notify(p_channel, p_payload);
        END IF;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION imagegen_publish_notifications() RETURNS integer AS $$
    DECLARE
        v_pending jsonb := COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb;
    BEGIN
        PERFORM set_config('imagegen.deferred_notifications', '', false);
        PERFORM pg_notify(n->>0, n->>1) FROM jsonb_array_elements(v_pending) AS n;
        RETURN jsonb_array_length(v_pending);
    END;
    $$ LANGUAGE plpgsql
    """,
]
