-- Comments, worklogs, issue links, sprints and issue_sprints (schema/README.md, "Entities"), written with
-- the issue pages that carry them or from their own endpoints, when sync.entities names them. PostgreSQL dialect.
-- No foreign keys to issues: a row may arrive before its issue, and an issue's rows outlive its soft delete
-- (join issues_live to see only live issues).

CREATE TABLE comments (
    id               bigint      PRIMARY KEY,      -- Jira's comment id
    issue_id         bigint      NOT NULL,
    author_id        text,                         -- accountId (Cloud) or key (Server)
    update_author_id text,
    created          timestamptz NOT NULL,
    updated          timestamptz NOT NULL,         -- an older copy never overwrites a newer one
    body_text        text,                         -- ADF flattened to text (Cloud) or wiki text (Server)
    raw              jsonb       NOT NULL,
    synced_at        timestamptz NOT NULL,
    deleted_at       timestamptz                   -- gone from the complete comment set of its issue
);
CREATE INDEX comments_issue_created ON comments (issue_id, created);

CREATE TABLE worklogs (
    id                 bigint      PRIMARY KEY,    -- Jira's worklog id
    issue_id           bigint      NOT NULL,
    author_id          text,
    update_author_id   text,
    started            timestamptz NOT NULL,       -- when the work was done
    time_spent_seconds bigint      NOT NULL,
    comment_text       text,
    created            timestamptz NOT NULL,
    updated            timestamptz NOT NULL,
    raw                jsonb       NOT NULL,
    synced_at          timestamptz NOT NULL,
    deleted_at         timestamptz                 -- reported deleted, or gone from its issue's complete set
);
CREATE INDEX worklogs_issue_started ON worklogs (issue_id, started);
CREATE INDEX worklogs_started ON worklogs (started);

CREATE TABLE issue_links (
    id               bigint      PRIMARY KEY,      -- Jira's link id
    type_id          text,
    type_name        text        NOT NULL,         -- e.g. Blocks
    outward_text     text,                         -- "source <outward_text> target", e.g. blocks
    inward_text      text,                         -- "target <inward_text> source", e.g. is blocked by
    source_issue_id  bigint      NOT NULL,
    target_issue_id  bigint      NOT NULL,
    source_issue_key text,
    target_issue_key text,
    raw              jsonb       NOT NULL,
    synced_at        timestamptz NOT NULL,
    deleted_at       timestamptz                   -- gone from the issuelinks of a changed endpoint issue
);
CREATE INDEX issue_links_source ON issue_links (source_issue_id);
CREATE INDEX issue_links_target ON issue_links (target_issue_id);

CREATE TABLE sprints (
    id            bigint      PRIMARY KEY,         -- Jira's sprint id
    name          text        NOT NULL,
    state         text,                            -- future | active | closed
    board_id      bigint,
    goal          text,
    start_date    timestamptz,
    end_date      timestamptz,
    complete_date timestamptz,
    raw           jsonb       NOT NULL,
    synced_at     timestamptz NOT NULL
);

CREATE TABLE issue_sprints (
    issue_id   bigint      NOT NULL,
    sprint_id  bigint      NOT NULL,
    in_field   boolean     NOT NULL,               -- true: the issue's Sprint field holds the sprint now
    added_at   timestamptz,                        -- the last changelog history that added it, if any
    removed_at timestamptz,                        -- the last changelog history that removed it, if any
    synced_at  timestamptz NOT NULL,
    PRIMARY KEY (issue_id, sprint_id)
);
CREATE INDEX issue_sprints_sprint ON issue_sprints (sprint_id);

-- Per-scope state of entities fetched from their own feeds (e.g. the worklog feeds' `since`), committed with
-- the rows it covers.
CREATE TABLE entity_state (
    scope_key  text        NOT NULL,
    entity     text        NOT NULL,
    state      jsonb       NOT NULL,               -- JSON
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (scope_key, entity)
);

-- The user's email, only when the mapping asks for it (users.email: text or sha256); NULL otherwise, and
-- then raw does not carry emailAddress either.
ALTER TABLE users ADD COLUMN email text;
