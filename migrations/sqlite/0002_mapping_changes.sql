-- Mappings that change over time (schema/README.md, "Mapping changes").
-- Every added, removed or retyped mapped column, and every change of the Jira field id a `field:` column
-- resolves to, is recorded here by the run that applied it.
CREATE TABLE mapping_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    column_name TEXT    NOT NULL,
    change      TEXT    NOT NULL CHECK (change IN ('added', 'removed', 'retyped', 'field_changed')),
    old_type    TEXT,
    new_type    TEXT,
    field_id    TEXT,                -- the Jira field id (the new one for field_changed)
    old_field_id TEXT                -- field_changed only
);
CREATE INDEX mapping_changes_at ON mapping_changes (at);

-- 1 while the column still has to be (re)filled from `raw` for the rows stored before it was added or
-- retyped; cleared by the remap run that finishes filling it.
ALTER TABLE mapped_columns ADD COLUMN refill_pending INTEGER NOT NULL DEFAULT 0;
