-- Time logged per sprint: the work logged during each sprint's planned dates (start_date to end_date) on
-- the live issues that were ever in it, from the Sprint field or the changelog (SQLite and PostgreSQL alike).
-- A worklog counts for a sprint when its `started` falls in the sprint's window, whoever logged it.
SELECT s.id                                             AS sprint_id,
       s.name                                           AS sprint,
       s.state,
       count(DISTINCT w.issue_id)                       AS issues,
       sum(w.time_spent_seconds)                        AS seconds_logged,
       round(sum(w.time_spent_seconds) / 3600.0, 1)     AS hours_logged
FROM sprints s
JOIN issue_sprints m ON m.sprint_id = s.id
JOIN issues_live i ON i.id = m.issue_id
JOIN worklogs w ON w.issue_id = i.id AND w.deleted_at IS NULL
WHERE w.started >= s.start_date AND w.started < s.end_date
GROUP BY s.id, s.name, s.state
ORDER BY s.id;
