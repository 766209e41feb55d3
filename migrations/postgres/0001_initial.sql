-- The logical schema is documented once in schema/README.md; this is its PostgreSQL dialect.
-- Runs with search_path set to the configured schema, so names are unqualified.

CREATE TABLE issues (
    id             bigint      PRIMARY KEY,
    key            text        NOT NULL,
    project_key    text        NOT NULL,
    created        timestamptz NOT NULL,
    updated        timestamptz NOT NULL,
    raw            jsonb       NOT NULL,
    deleted_at     timestamptz,
    deleted_reason text CHECK (deleted_reason IN ('deleted', 'out_of_scope')),
    synced_at      timestamptz NOT NULL
);
CREATE INDEX issues_key ON issues (key);
CREATE INDEX issues_project_updated ON issues (project_key, updated);
CREATE INDEX issues_updated ON issues (updated);

CREATE TABLE issue_changelog (
    history_id          bigint      NOT NULL,
    item_index          integer     NOT NULL,
    issue_id            bigint      NOT NULL,
    author_account_id   text,
    author_display_name text,
    created             timestamptz NOT NULL,
    field               text        NOT NULL,
    field_id            text,
    field_type          text,
    from_value          text,
    from_string         text,
    to_value            text,
    to_string           text,
    PRIMARY KEY (history_id, item_index)
);
CREATE INDEX issue_changelog_issue ON issue_changelog (issue_id, created);
CREATE INDEX issue_changelog_field ON issue_changelog (field, issue_id, created);

CREATE TABLE dead_letters (
    id              bigserial   PRIMARY KEY,
    issue_id        bigint,
    issue_key       text        NOT NULL,
    stage           text        NOT NULL CHECK (stage IN ('fetch', 'transform', 'load')),
    error           text        NOT NULL,
    payload         text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 1,
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL,
    resolved_at     timestamptz
);
CREATE UNIQUE INDEX dead_letters_open_issue ON dead_letters (issue_id) WHERE resolved_at IS NULL;

CREATE TABLE sync_runs (
    id                      bigserial   PRIMARY KEY,
    scope_key               text        NOT NULL,
    mode                    text        NOT NULL CHECK (mode IN ('incremental', 'full', 'jql', 'reconcile', 'retry', 'remap')),
    started_at              timestamptz NOT NULL,
    finished_at             timestamptz,
    status                  text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
    issues_upserted         bigint      NOT NULL DEFAULT 0,
    changelog_items_written bigint      NOT NULL DEFAULT 0,
    dead_lettered           bigint      NOT NULL DEFAULT 0,
    soft_deleted            bigint      NOT NULL DEFAULT 0,
    requests                bigint      NOT NULL DEFAULT 0,
    retries                 bigint      NOT NULL DEFAULT 0,
    error                   text
);
CREATE INDEX sync_runs_scope ON sync_runs (scope_key, id);

CREATE TABLE sync_state (
    scope_key  text        PRIMARY KEY,
    scope      text        NOT NULL,
    watermark  timestamptz,                -- Jira's clock at the start of the last succeeded/partial run
    checkpoint text,                       -- JSON cursor of an interrupted run, kept verbatim (not jsonb,
                                           -- which would reformat it); NULL when none
    updated_at timestamptz NOT NULL
);

CREATE TABLE jira_fields (
    id          text    PRIMARY KEY,
    key         text,
    name        text    NOT NULL,
    custom      boolean NOT NULL,
    schema_type text,
    items_type  text,
    custom_type text
);

CREATE TABLE mapped_columns (
    name     text        PRIMARY KEY,
    type     text        NOT NULL,
    field_id text,
    added_at timestamptz NOT NULL
);

-- PostgreSQL expands `*` when a view is created, so the store recreates issues_live whenever the
-- mapped columns change.
CREATE VIEW issues_live AS
    SELECT * FROM issues WHERE deleted_at IS NULL;

CREATE VIEW issue_status_changes AS
    SELECT c.issue_id, i.key, c.created AS changed_at, c.author_account_id,
           c.from_string AS from_status, c.to_string AS to_status
    FROM issue_changelog c
    JOIN issues i ON i.id = c.issue_id
    WHERE c.field = 'status' AND (c.field_type IS NULL OR c.field_type = 'jira');

CREATE VIEW issue_time_in_status AS
    WITH transitions AS (
        SELECT issue_id, created AS at, from_string, to_string,
               ROW_NUMBER() OVER (PARTITION BY issue_id ORDER BY created, history_id, item_index) AS n
        FROM issue_changelog
        WHERE field = 'status' AND (field_type IS NULL OR field_type = 'jira')
    ),
    stays AS (
        SELECT i.id AS issue_id,
               COALESCE(t.from_string, i.raw -> 'fields' -> 'status' ->> 'name') AS status,
               i.created AS entered_at, 0::bigint AS n
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
           CAST(EXTRACT(EPOCH FROM (left_at - entered_at)) AS bigint) AS seconds
    FROM bounded;
