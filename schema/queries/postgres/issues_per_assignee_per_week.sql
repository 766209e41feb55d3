-- Issues resolved per assignee per week (weeks start on Monday, UTC), with the assignee's name from `users`
-- (falling back to the name on the issue). PostgreSQL stores timestamptz.
SELECT to_char(date_trunc('week', i.resolved AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week_start,
       COALESCE(u.display_name, i.assignee_name, '(unassigned)')                AS assignee,
       count(*)                                                                 AS resolved_issues
FROM issues_live i
LEFT JOIN users u ON u.id = i.assignee_account_id
WHERE i.resolved IS NOT NULL
GROUP BY 1, i.assignee_account_id, 2
ORDER BY week_start, resolved_issues DESC, assignee;
