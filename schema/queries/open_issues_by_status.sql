-- Open issues by status (SQLite and PostgreSQL alike).
SELECT status, count(*) AS issues
FROM issues_live
WHERE status_category_key <> 'done'
GROUP BY status
ORDER BY issues DESC, status;
