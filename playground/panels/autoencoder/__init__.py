"""Autoencoders and VAEs: train live, explore the latent space."""
