-- Every status transition of one issue, oldest first (SQLite and PostgreSQL alike). Replace the key.
SELECT changed_at, author_account_id, from_status, to_status
FROM issue_status_changes
WHERE key = 'ALPHA-1'
ORDER BY changed_at;
