# store: not written yet
