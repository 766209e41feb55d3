# config: not written yet
