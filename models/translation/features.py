"""The feature network behind SRGAN's content loss, trained here instead of downloaded.

The paper compares VGG19 feature maps (φ₅,₄, after ImageNet training) of the output and the
truth. Those weights are a download of over 500 MB, and this app runs offline. What replaces
them: the landscape segmenter the FCN-score already uses (models/pix2pix/segmentation.py),
trained on 128-px landscape photos to tell grass, trees, water, sand, rock, mountains and sky
apart. Its encoder's deepest maps (64 channels at a quarter of the side, about 40 px of
view) play the part of φ₅,₄: features that know which texture a region is, not its exact
pixels, which is what lets a content loss on them prefer a plausible texture over the blurry
average of all textures. Its limits: it has only seen this one world, and it is a few hundred
thousand weights, not VGG's 20 million.

    net, accuracy = yield from landscape_features(size=128)   # a frozen module: image → features

The paper rescales its VGG maps (by 1/12.75) "to obtain VGG losses of a scale comparable to the
MSE loss", which is what makes 10⁻³ × adversarial the right weight beside them. The same is done
here by measurement: the maps are multiplied by the factor that makes the feature MSE of bicubic
upscales equal to their pixel MSE (`calibrate`, on photos no training uses).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..events import Status, Step

FEATURE_PAIRS = 1000
FEATURE_EPOCHS = 3
DESCRIPTION = ("the landscape segmenter's encoder (deepest maps, 64 channels at ¼ side), "
               "trained here on {pairs:,} {size}-px photos for {epochs} epochs, its maps scaled "
               "so that bicubic upscales score the same feature MSE as pixel MSE")


class SegmenterFeatures(nn.Module):
    """The segmenter's encoder up to its deepest level: N×3×H×W in [−1, 1] → N×4w×H/4×W/4.
    Frozen, in eval mode (batch norm uses its running statistics)."""

    def __init__(self, net, scale: float = 1.0):
        super().__init__()
        self.stem, self.down1, self.down2 = net.stem, net.down1, net.down2
        self.scale = float(scale)
        self.eval()
        for p in self.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True):
        return super().train(False)          # always eval: fixed features, as VGG's are

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        rows = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype)
        x = torch.cat([x, rows.view(1, 1, h, 1).expand(n, 1, h, w)], 1)
        return self.down2(self.down1(self.stem(x))) * self.scale


CALIBRATION_SEED = 3_000_000      # photos apart from SR training (0…), held-out (2·10⁹…), segmenter (10⁶…)


@torch.no_grad()
def calibrate(features: SegmenterFeatures, size: int, n: int = 32, scale: int = 4) -> float:
    """The factor c with MSE(c·φ(bicubic), c·φ(truth)) = MSE(bicubic, truth) over n photos."""
    from .cyclegan_training import to_tensor
    from .srgan import bicubic
    from .superres import downscale, landscape_photos
    device = next(features.parameters()).device
    hr = landscape_photos(n, size, CALIBRATION_SEED)
    truth = to_tensor(hr, device)
    up = bicubic(to_tensor(downscale(hr, scale), device), scale)
    features.scale = 1.0
    feature_mse = torch.mean((features(up) - features(truth)) ** 2).item()
    pixel_mse = torch.mean((up - truth) ** 2).item()
    features.scale = math.sqrt(pixel_mse / feature_mse) if feature_mse > 0 else 1.0
    return features.scale


def landscape_features(size: int = 128, pairs: int = FEATURE_PAIRS, epochs: int = FEATURE_EPOCHS,
                       device: str = "cpu"):
    """Train the segmenter (a few minutes on a CPU) and return its frozen encoder; yields
    Status lines while it trains, so a job can show them."""
    from ..pix2pix.segmentation import train_segmenter
    job = train_segmenter(size=size, pairs=pairs, epochs=epochs, device=str(device), val=100)
    while True:
        try:
            event = next(job)
        except StopIteration as done:
            seg = done.value
            break
        if isinstance(event, Step) and (event.step % 20 == 0 or event.step == event.total_steps):
            yield Status(f"Training the feature network (the landscape segmenter)… "
                         f"step {event.step}/{event.total_steps}", event.step / event.total_steps)
        elif isinstance(event, Status):
            yield event
    accuracy = seg.meta.get("metrics", {}).get("val_accuracy")
    features = SegmenterFeatures(seg.module).to(device)
    factor = calibrate(features, size)
    yield Status(f"Feature network ready: held-out pixel accuracy {accuracy:.1%}, maps scaled "
                 f"by {factor:.3g} to the pixel MSE's scale" if accuracy is not None
                 else "Feature network ready")
    return features, accuracy
