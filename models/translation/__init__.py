"""Unpaired image-to-image translation and super-resolution (issue 16; in progress): the
two-domain data made here (styles.py, unpaired.py, textured_digits.py), CycleGAN's networks,
objective (cyclegan.py), history pool (pool.py) and training job (cyclegan_training.py), and
SRGAN's networks and objective (srgan.py), UNIT's networks and objective (unit.py). No UNIT or
SRGAN trainer, CLI, panel, checkpoints or family.py yet: the family registers once it can train
and ship."""
