-- Sprint scope change: for each started sprint, the live issues in it now (its Sprint field holds it), and
-- how many were added to it / removed from it after it started, from the Sprint changelog
-- (issue_sprints.added_at / removed_at: the last such change per issue). SQLite and PostgreSQL alike.
SELECT s.id                                                          AS sprint_id,
       s.name                                                        AS sprint,
       s.start_date,
       sum(CASE WHEN m.in_field THEN 1 ELSE 0 END)                   AS issues_now,
       sum(CASE WHEN m.added_at > s.start_date THEN 1 ELSE 0 END)    AS added_after_start,
       sum(CASE WHEN m.removed_at > s.start_date THEN 1 ELSE 0 END)  AS removed_after_start
FROM sprints s
JOIN issue_sprints m ON m.sprint_id = s.id
JOIN issues_live i ON i.id = m.issue_id
WHERE s.start_date IS NOT NULL
GROUP BY s.id, s.name, s.start_date
ORDER BY s.id;
