-- Comments before resolution: for each resolved live issue, how many of its comments (not deleted) were
-- written before it was resolved (`resolved` is the default mapping's column for fields.resolutiondate).
-- SQLite and PostgreSQL alike.
SELECT i.key,
       i.issue_type,
       i.resolved,
       count(c.id) AS comments_before_resolution
FROM issues_live i
LEFT JOIN comments c ON c.issue_id = i.id AND c.deleted_at IS NULL AND c.created < i.resolved
WHERE i.resolved IS NOT NULL
GROUP BY i.id, i.key, i.issue_type, i.resolved
ORDER BY i.id;
