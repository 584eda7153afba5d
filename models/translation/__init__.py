"""Unpaired image-to-image translation and super-resolution (issue 16; in progress): the
two-domain data made here (styles.py, unpaired.py, textured_digits.py), CycleGAN's networks
and objective (cyclegan.py) and its image history (pool.py). No trainer and no family.py yet:
the family registers once it can train and ship."""
