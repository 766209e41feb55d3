-- The logical schema is documented once in schema/README.md; this is its SQLite dialect.
-- Timestamps are UTC text `YYYY-MM-DDTHH:MM:SS.sssZ`, which sorts and compares correctly as text.

CREATE TABLE issues (
    id             INTEGER PRIMARY KEY,          -- Jira's issue id, stable across moves
    key            TEXT    NOT NULL,
    project_key    TEXT    NOT NULL,
    created        TEXT    NOT NULL,
    updated        TEXT    NOT NULL,
    raw            TEXT    NOT NULL,             -- the issue JSON as Jira returned it, without changelog
    deleted_at     TEXT,
    deleted_reason TEXT CHECK (deleted_reason IN ('deleted', 'out_of_scope')),
    synced_at      TEXT    NOT NULL
);
CREATE INDEX issues_key ON issues (key);
CREATE INDEX issues_project_updated ON issues (project_key, updated);
CREATE INDEX issues_updated ON issues (updated);

CREATE TABLE issue_changelog (
    history_id          INTEGER NOT NULL,
    item_index          INTEGER NOT NULL,
    issue_id            INTEGER NOT NULL,
    author_account_id   TEXT,
    author_display_name TEXT,
    created             TEXT    NOT NULL,
    field               TEXT    NOT NULL,
    field_id            TEXT,
    field_type          TEXT,
    from_value          TEXT,
    from_string         TEXT,
    to_value            TEXT,
    to_string           TEXT,
    PRIMARY KEY (history_id, item_index)
);
CREATE INDEX issue_changelog_issue ON issue_changelog (issue_id, created);
CREATE INDEX issue_changelog_field ON issue_changelog (field, issue_id, created);

CREATE TABLE dead_letters (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id        INTEGER,
    issue_key       TEXT    NOT NULL,
    stage           TEXT    NOT NULL CHECK (stage IN ('fetch', 'transform', 'load')),
    error           TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 1,
    first_failed_at TEXT    NOT NULL,
    last_failed_at  TEXT    NOT NULL,
    resolved_at     TEXT
);
-- At most one open dead letter per issue: a repeated failure increments its attempts.
CREATE UNIQUE INDEX dead_letters_open_issue ON dead_letters (issue_id) WHERE resolved_at IS NULL;

CREATE TABLE sync_runs (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_key               TEXT    NOT NULL,
    mode                    TEXT    NOT NULL CHECK (mode IN ('incremental', 'full', 'jql', 'reconcile', 'retry', 'remap')),
    started_at              TEXT    NOT NULL,
    finished_at             TEXT,
    status                  TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
    issues_upserted         INTEGER NOT NULL DEFAULT 0,
    changelog_items_written INTEGER NOT NULL DEFAULT 0,
    dead_lettered           INTEGER NOT NULL DEFAULT 0,
    soft_deleted            INTEGER NOT NULL DEFAULT 0,
    requests                INTEGER NOT NULL DEFAULT 0,
    retries                 INTEGER NOT NULL DEFAULT 0,
    error                   TEXT
);
CREATE INDEX sync_runs_scope ON sync_runs (scope_key, id);

-- One row per scope (site + flavor + JQL): the watermark and the cursor of an interrupted run.
CREATE TABLE sync_state (
    scope_key   TEXT PRIMARY KEY,
    scope       TEXT NOT NULL,       -- human-readable: base URL, flavor, JQL
    watermark   TEXT,                -- Jira's clock at the start of the last succeeded/partial run
    checkpoint  TEXT,                -- JSON cursor of an interrupted run; NULL when none
    updated_at  TEXT NOT NULL
);

CREATE TABLE jira_fields (
    id          TEXT PRIMARY KEY,
    key         TEXT,
    name        TEXT    NOT NULL,
    custom      INTEGER NOT NULL,
    schema_type TEXT,
    items_type  TEXT,
    custom_type TEXT
);

-- The mapped columns currently on `issues`, so a mapping change can be detected and recorded.
CREATE TABLE mapped_columns (
    name       TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    field_id   TEXT,                 -- the Jira field id a `field:` column resolved to
    added_at   TEXT NOT NULL
);

CREATE VIEW issues_live AS
    SELECT * FROM issues WHERE deleted_at IS NULL;

-- Status transitions from the changelog. fieldId is often missing in real data, so match on field.
CREATE VIEW issue_status_changes AS
    SELECT c.issue_id, i.key, c.created AS changed_at, c.author_account_id,
           c.from_string AS from_status, c.to_string AS to_status
    FROM issue_changelog c
    JOIN issues i ON i.id = c.issue_id
    WHERE c.field = 'status' AND (c.field_type IS NULL OR c.field_type = 'jira');

-- One row per stay in a status. The first stay starts at creation, in the status the first transition
-- left (or the current status when there was none); the current stay has left_at NULL.
CREATE VIEW issue_time_in_status AS
    WITH transitions AS (
        SELECT issue_id, created AS at, from_string, to_string,
               ROW_NUMBER() OVER (PARTITION BY issue_id ORDER BY created, history_id, item_index) AS n
        FROM issue_changelog
        WHERE field = 'status' AND (field_type IS NULL OR field_type = 'jira')
    ),
    stays AS (
        SELECT i.id AS issue_id,
               COALESCE(t.from_string, json_extract(i.raw, '$.fields.status.name')) AS status,
               i.created AS entered_at, 0 AS n
        FROM issues i
        LEFT JOIN transitions t ON t.issue_id = i.id AND t.n = 1
        UNION ALL
        SELECT issue_id, to_string, at, n FROM transitions
    ),
    bounded AS (
        SELECT issue_id, status, entered_at,
               LEAD(entered_at) OVER (PARTITION BY issue_id ORDER BY n) AS left_at
        FROM stays
    )
    SELECT issue_id, status, entered_at, left_at,
           CASE WHEN left_at IS NULL THEN NULL
                ELSE CAST(ROUND((julianday(left_at) - julianday(entered_at)) * 86400) AS INTEGER) END AS seconds
    FROM bounded;
