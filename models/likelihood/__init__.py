"""Exact likelihood: autoregressive models (NADE, PixelCNN) on binarized images.

Both factor p(x) = Π_i p(x_i | x_<i) over the pixels in raster order, so log p(x) is a sum
of n Bernoulli log-probabilities, computed exactly in one forward pass, and sampling draws
the pixels one after another.
"""
