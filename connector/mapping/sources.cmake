# mapping: not written yet
