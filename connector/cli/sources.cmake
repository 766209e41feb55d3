# cli: not written yet
