-- Cycle time of each live issue that is done now: from its first move to "In Progress" to its last move to
-- "Done" (a reopened and re-closed issue counts until it was closed for good), in days. PostgreSQL.
WITH first_start AS (
    SELECT issue_id, min(changed_at) AS started_at
    FROM issue_status_changes WHERE to_status = 'In Progress' GROUP BY issue_id
), last_done AS (
    SELECT issue_id, max(changed_at) AS done_at
    FROM issue_status_changes WHERE to_status = 'Done' GROUP BY issue_id
)
SELECT i.key,
       i.issue_type,
       s.started_at,
       d.done_at,
       round(EXTRACT(EPOCH FROM d.done_at - s.started_at) / 86400, 2) AS cycle_days
FROM issues_live i
JOIN first_start s ON s.issue_id = i.id
JOIN last_done d ON d.issue_id = i.id AND d.done_at > s.started_at
WHERE i.status_category_key = 'done'
ORDER BY i.id;
