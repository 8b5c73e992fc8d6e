-- Push reminders and calendar links (issue 14). Every table names its user and goes with the
-- account (ON DELETE CASCADE).

-- A browser's PushSubscription. The endpoint URL is a capability (whoever knows it can send to
-- the browser through its push service): it is stored, never logged.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);

-- One row per person who saved reminder settings; data is the ReminderSettings JSON.
-- any_enabled lets the scheduler read only the people with a reminder on.
CREATE TABLE reminder_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    any_enabled INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX reminder_settings_enabled ON reminder_settings (any_enabled) WHERE any_enabled = 1;

-- A send is claimed here, in the transaction that decides it is due, before anything is sent:
-- the key lets one process in any number claim a reminder once per local day.
CREATE TABLE reminder_sends (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reminder TEXT NOT NULL,
    local_day TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, reminder, local_day)
) STRICT, WITHOUT ROWID;

-- Calendar feed links: like shares, only the SHA-256 of the token is kept.
CREATE TABLE calendar_links (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    audience TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    opens INTEGER NOT NULL DEFAULT 0,
    last_opened_at TEXT
) STRICT;
CREATE INDEX calendar_links_by_user ON calendar_links (user_id);
