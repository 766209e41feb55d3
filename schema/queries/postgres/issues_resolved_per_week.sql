-- Issues resolved per week (weeks start on Monday, UTC). PostgreSQL stores timestamptz.
SELECT to_char(date_trunc('week', resolved AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week_start,
       count(*) AS resolved_issues
FROM issues_live
WHERE resolved IS NOT NULL
GROUP BY week_start
ORDER BY week_start;
