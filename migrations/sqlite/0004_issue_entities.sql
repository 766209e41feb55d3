-- Comments, worklogs, issue links, sprints and issue_sprints (schema/README.md, "Entities"), written with
-- the issue pages that carry them or from their own endpoints, when sync.entities names them. SQLite dialect.
-- No foreign keys to issues: a row may arrive before its issue, and an issue's rows outlive its soft delete
-- (join issues_live to see only live issues).

CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,         -- Jira's comment id
    issue_id         INTEGER NOT NULL,
    author_id        TEXT,                        -- accountId (Cloud) or key (Server)
    update_author_id TEXT,
    created          TEXT    NOT NULL,
    updated          TEXT    NOT NULL,            -- an older copy never overwrites a newer one
    body_text        TEXT,                        -- ADF flattened to text (Cloud) or wiki text (Server)
    raw              TEXT    NOT NULL,
    synced_at        TEXT    NOT NULL,
    deleted_at       TEXT                         -- gone from the complete comment set of its issue
);
CREATE INDEX comments_issue_created ON comments (issue_id, created);

CREATE TABLE worklogs (
    id                 INTEGER PRIMARY KEY,       -- Jira's worklog id
    issue_id           INTEGER NOT NULL,
    author_id          TEXT,
    update_author_id   TEXT,
    started            TEXT    NOT NULL,          -- when the work was done
    time_spent_seconds INTEGER NOT NULL,
    comment_text       TEXT,
    created            TEXT    NOT NULL,
    updated            TEXT    NOT NULL,
    raw                TEXT    NOT NULL,
    synced_at          TEXT    NOT NULL,
    deleted_at         TEXT                       -- reported deleted, or gone from its issue's complete set
);
CREATE INDEX worklogs_issue_started ON worklogs (issue_id, started);
CREATE INDEX worklogs_started ON worklogs (started);

CREATE TABLE issue_links (
    id               INTEGER PRIMARY KEY,         -- Jira's link id
    type_id          TEXT,
    type_name        TEXT    NOT NULL,            -- e.g. Blocks
    outward_text     TEXT,                        -- "source <outward_text> target", e.g. blocks
    inward_text      TEXT,                        -- "target <inward_text> source", e.g. is blocked by
    source_issue_id  INTEGER NOT NULL,
    target_issue_id  INTEGER NOT NULL,
    source_issue_key TEXT,
    target_issue_key TEXT,
    raw              TEXT    NOT NULL,
    synced_at        TEXT    NOT NULL,
    deleted_at       TEXT                         -- gone from the issuelinks of a changed endpoint issue
);
CREATE INDEX issue_links_source ON issue_links (source_issue_id);
CREATE INDEX issue_links_target ON issue_links (target_issue_id);

CREATE TABLE sprints (
    id            INTEGER PRIMARY KEY,            -- Jira's sprint id
    name          TEXT    NOT NULL,
    state         TEXT,                           -- future | active | closed
    board_id      INTEGER,
    goal          TEXT,
    start_date    TEXT,
    end_date      TEXT,
    complete_date TEXT,
    raw           TEXT    NOT NULL,
    synced_at     TEXT    NOT NULL
);

CREATE TABLE issue_sprints (
    issue_id   INTEGER NOT NULL,
    sprint_id  INTEGER NOT NULL,
    in_field   INTEGER NOT NULL,                  -- 1: the issue's Sprint field holds the sprint now
    added_at   TEXT,                              -- the last changelog history that added it, if any
    removed_at TEXT,                              -- the last changelog history that removed it, if any
    synced_at  TEXT    NOT NULL,
    PRIMARY KEY (issue_id, sprint_id)
);
CREATE INDEX issue_sprints_sprint ON issue_sprints (sprint_id);

-- Per-scope state of entities fetched from their own feeds (e.g. the worklog feeds' `since`), committed with
-- the rows it covers.
CREATE TABLE entity_state (
    scope_key  TEXT NOT NULL,
    entity     TEXT NOT NULL,
    state      TEXT NOT NULL,                     -- JSON
    updated_at TEXT NOT NULL,
    PRIMARY KEY (scope_key, entity)
);

-- The user's email, only when the mapping asks for it (users.email: text or sha256); NULL otherwise, and
-- then raw does not carry emailAddress either.
ALTER TABLE users ADD COLUMN email TEXT;
