-- Issues resolved per assignee per week (weeks start on Monday, UTC), with the assignee's name from `users`
-- (falling back to the name on the issue). SQLite stores timestamps as UTC text.
SELECT strftime('%Y-%m-%d', i.resolved, 'weekday 0', '-6 days')      AS week_start,
       COALESCE(u.display_name, i.assignee_name, '(unassigned)')     AS assignee,
       count(*)                                                      AS resolved_issues
FROM issues_live i
LEFT JOIN users u ON u.id = i.assignee_account_id
WHERE i.resolved IS NOT NULL
GROUP BY week_start, i.assignee_account_id, assignee
ORDER BY week_start, resolved_issues DESC, assignee;
