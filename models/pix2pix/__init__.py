"""pix2pix: image-to-image translation with a U-Net generator and a PatchGAN (Isola et al. 2017)."""
