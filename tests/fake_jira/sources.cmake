# fake jira: not written yet
