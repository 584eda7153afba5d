"""Diffusion: the forward process, the learned reverse process, 2-D particles."""
