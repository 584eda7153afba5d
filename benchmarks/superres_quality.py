"""4× super-resolution quality on held-out landscapes: PSNR, SSIM and sharpness for bicubic, SRResNet and SRGAN.

    .venv/bin/python benchmarks/superres_quality.py [--checkpoints DIR] [--n 200]
        [--seed-offset 0] [--quick]

Ledig et al. (2017, Table 2) compare bicubic, SRResNet (pixel MSE) and SRGAN (content loss
on a feature network + 10⁻³ adversarial) by PSNR and SSIM, and by people's opinion scores,
because the GAN's sharper detail lowers PSNR while it looks better. There is no panel of
raters here; the third figure is a sharpness measure instead (the variance of the
Laplacian of the luminance, which needs no truth), beside the real photos' own sharpness.

Protocol. --n held-out landscape photos `landscape_photos(N, 128, HELD_OUT_OFFSET +
seed_offset)` (seeds from 2·10⁹: never a training photo), downscaled 4× to 32 px by exact
4×4 block means (`superres.downscale`, as in training), then upscaled to 128 px by bicubic
interpolation (`api.bicubic_upscale`), checkpoints/landscapes-srresnet and
checkpoints/landscapes-srgan (`.upscale`). Each output is compared with its 128-px truth by
models/translation/quality.py on the BT.601 luminance: PSNR (dB, peak 255), SSIM (11×11
Gaussian window, σ = 1.5, K1 0.01, K2 0.03), no border crop; the figures are means over
the images. Time per image: the batched upscale's wall time (chunks of 25) over N. A
missing checkpoint is named and its column left empty. About 10 s on 2 cores; --quick: N = 8.
"""
from __future__ import annotations

import sys
import time

import _common
from _shipped import add_checkpoints_option, fmt, load_shipped, markdown

SCALE, SIZE, CHUNK = 4, 128, 25
MODELS = {"SRResNet": "landscapes-srresnet", "SRGAN": "landscapes-srgan"}
TRUTH = "HR (truth)"


def upscale_timed(fn, low):
    """fn over low in chunks: (outputs, seconds per image)."""
    import numpy as np
    start = time.perf_counter()
    out = np.concatenate([fn(low[i:i + CHUNK]) for i in range(0, len(low), CHUNK)])
    return out, (time.perf_counter() - start) / len(low)


def figures(outputs, truth) -> dict:
    """Mean PSNR, SSIM and sharpness of the outputs against the truth, image by image."""
    import numpy as np

    from models.translation.quality import psnr, sharpness, ssim
    return {"psnr": float(np.mean([psnr(o, t) for o, t in zip(outputs, truth)])),
            "ssim": float(np.mean([ssim(o, t) for o, t in zip(outputs, truth)])),
            "sharpness": float(np.mean([sharpness(o) for o in outputs]))}


def main(argv=None) -> int:
    def extra(p):
        add_checkpoints_option(p)
        p.add_argument("--n", type=int, default=None, help="held-out photos (default 200)")
        p.add_argument("--seed-offset", type=int, default=0,
                       help="first held-out seed after HELD_OUT_OFFSET (default 0)")
        p.add_argument("--quick", action="store_true", help="smoke run: 8 photos")
    args = _common.parse_args(__doc__.splitlines()[0], extra, needs_data=False, argv=argv)
    args.n = (8 if args.quick else 200) if args.n is None else args.n
    if args.n < 1 or args.seed_offset < 0:
        raise SystemExit("error: --n must be ≥ 1 and --seed-offset ≥ 0")

    from models.translation.api import bicubic_upscale
    from models.translation.superres import HELD_OUT_OFFSET, downscale, landscape_photos
    print(_common.machine_line())
    first = HELD_OUT_OFFSET + args.seed_offset
    print(f"protocol: {args.n} held-out landscape photos (seeds {first:,}…), {SIZE} px → "
          f"{SIZE // SCALE} px by {SCALE}×{SCALE} block means → {SIZE} px; figures on the "
          f"luminance; checkpoints from {args.checkpoints}", flush=True)
    begin = time.perf_counter()
    truth = landscape_photos(args.n, SIZE, first)
    low = downscale(truth, SCALE)

    upscalers = {"Bicubic": lambda x: bicubic_upscale(x, SCALE)}
    for label, name in MODELS.items():
        model = load_shipped(args.checkpoints, name, "superres")
        if model is None:
            continue
        if model.config.scale != SCALE:
            print(f"WRONG checkpoint {name}: it upscales {model.config.scale}×, not {SCALE}×; "
                  "its column stays empty")
            continue
        if model.kind != label:
            print(f"note: {name} says it was trained as {model.kind}, not {label}")
        upscalers[label] = model.upscale

    results = {}
    for label, fn in upscalers.items():
        out, per_image = upscale_timed(fn, low)
        results[label] = {**figures(out, truth), "seconds": per_image}
        r = results[label]
        print(f"RESULT {label}: PSNR {r['psnr']:.2f} dB, SSIM {r['ssim']:.4f}, sharpness "
              f"{r['sharpness']:.1f}, {r['seconds'] * 1e3:.2f} ms per image", flush=True)
    results[TRUTH] = figures(truth, truth)
    print(f"RESULT {TRUTH}: sharpness {results[TRUTH]['sharpness']:.1f} (the reference)", flush=True)

    columns = ["Bicubic", *MODELS, TRUTH]
    ref = results[TRUTH]["sharpness"]

    def row(name, key, spec):
        return [name] + [fmt(results[c].get(key), spec) if c in results else "–" for c in columns]
    rows = [row("PSNR (dB)", "psnr", ".2f"), row("SSIM", "ssim", ".4f"),
            row("Sharpness (var. of Laplacian)", "sharpness", ".1f"),
            ["Sharpness / truth's"] + [fmt(results[c]["sharpness"] / ref, ".3f") if c in results
                                       and ref > 0 else "–" for c in columns],
            ["Time per image (ms)"] + [fmt(results[c]["seconds"] * 1e3, ".2f")
                                       if "seconds" in results.get(c, {}) else "–" for c in columns]]
    print()
    print(markdown(f"4× super-resolution, {args.n} held-out landscapes ({SIZE // SCALE} → {SIZE} px)",
                   ["", *columns], rows))
    print("\nThe paper (Set14, 4×) reports bicubic 25.99 dB / 0.7486, SRResNet 28.49 dB / 0.8184, "
          "SRGAN 26.02 dB / 0.7397 (PSNR / SSIM): natural photos at other sizes, so compare the "
          "ordering, not the values. Sharpness above the truth's means invented detail (or noise).")
    print(f"total wall time {time.perf_counter() - begin:.1f} s; {_common.load_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
