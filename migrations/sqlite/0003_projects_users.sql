-- Projects and users (schema/README.md, "Projects and users"), refreshed from complete listings by every
-- `sync` whose sync.entities names them. SQLite dialect.

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,          -- Jira's project id
    key             TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    project_type    TEXT,                         -- projectTypeKey: software, business, service_desk
    lead_account_id TEXT,                         -- lead.accountId (Cloud) or lead.key (Server)
    raw             TEXT    NOT NULL,             -- the project JSON as the listing returned it
    synced_at       TEXT    NOT NULL,
    deleted_at      TEXT                          -- set when a complete listing no longer has it
);
CREATE INDEX projects_key ON projects (key);

-- Email is not stored (Jira Cloud hides it for most accounts, and it is personal data); `raw` keeps what
-- Jira returned.
CREATE TABLE users (
    id           TEXT    PRIMARY KEY,             -- accountId (Cloud) or key (Server)
    display_name TEXT,
    active       INTEGER,                         -- 1/0
    time_zone    TEXT,
    account_type TEXT,                            -- Cloud: atlassian, app, customer; NULL on Server
    raw          TEXT    NOT NULL,
    synced_at    TEXT    NOT NULL
);
