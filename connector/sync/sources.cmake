# sync: not written yet
