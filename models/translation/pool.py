"""CycleGAN's history of generated images (Shrivastava et al. 2017; Zhu et al. 2017): the
discriminator is shown, half the time, an image the generator made some steps ago instead of
the newest one, so it does not chase only the generator's latest trick.

    pool = ImagePool(50)
    fake_for_d = pool.query(fake.detach(), generator)

Until the pool holds `size` images every image passes through and is kept. After that each
image, with probability ½, is swapped with a random stored one (the stored one goes to the
discriminator, the new one takes its place); otherwise it passes through. size = 0 turns it off.
"""
from __future__ import annotations

import torch


class ImagePool:
    def __init__(self, size: int = 50):
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"pool size must be a whole number ≥ 0, not {size!r}")
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The batch the discriminator sees: N images, each new or from the history."""
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand((), generator=generator).item() < 0.5:
                k = int(torch.randint(len(self.images), (), generator=generator))
                out.append(self.images[k].clone())
                self.images[k] = image.clone()
            else:
                out.append(image)
        return torch.stack(out) if out else images
