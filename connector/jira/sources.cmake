# jira: not written yet
