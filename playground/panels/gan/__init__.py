"""GANs: the 2-D lab and DCGANs on digits."""
