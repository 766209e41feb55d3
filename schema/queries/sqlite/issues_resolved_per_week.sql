-- Issues resolved per week (weeks start on Monday, UTC). SQLite stores timestamps as UTC text.
SELECT strftime('%Y-%m-%d', resolved, 'weekday 0', '-6 days') AS week_start, count(*) AS resolved_issues
FROM issues_live
WHERE resolved IS NOT NULL
GROUP BY week_start
ORDER BY week_start;
