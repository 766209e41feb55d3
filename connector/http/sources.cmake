# http: not written yet
