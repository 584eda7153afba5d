"""Unpaired image-to-image translation and super-resolution (issue 16; in progress): the
two-domain data made here (styles.py, unpaired.py, textured_digits.py) and the parts the
models share (pool.py). No family.py yet: the family registers once its models exist."""
