-- Projects and users (schema/README.md, "Projects and users"), refreshed from complete listings by every
-- `sync` whose sync.entities names them. PostgreSQL dialect.

CREATE TABLE projects (
    id              bigint      PRIMARY KEY,
    key             text        NOT NULL,
    name            text        NOT NULL,
    project_type    text,
    lead_account_id text,
    raw             jsonb       NOT NULL,
    synced_at       timestamptz NOT NULL,
    deleted_at      timestamptz
);
CREATE INDEX projects_key ON projects (key);

-- Email is not stored (see the SQLite dialect).
CREATE TABLE users (
    id           text        PRIMARY KEY,
    display_name text,
    active       boolean,
    time_zone    text,
    account_type text,
    raw          jsonb       NOT NULL,
    synced_at    timestamptz NOT NULL
);
