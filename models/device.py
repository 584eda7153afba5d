"""Pick the compute device: CUDA, then Apple's MPS, then the CPU."""
from __future__ import annotations

import torch

CHOICES = ("auto", "cpu", "cuda", "mps")


def available() -> list[str]:
    out = ["cpu"]
    if torch.cuda.is_available():
        out.insert(0, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.insert(0 if "cuda" not in out else 1, "mps")
    return out


def pick_device(choice: str = "auto") -> torch.device:
    """Resolve "auto" to the best device present; refuse a named one that is missing."""
    choice = (choice or "auto").lower()
    if choice not in CHOICES:
        raise ValueError(f"device must be one of {', '.join(CHOICES)}, not {choice!r}")
    have = available()
    if choice == "auto":
        return torch.device(have[0])
    if choice not in have:
        raise ValueError(f"device {choice!r} is not available here (available: {', '.join(have)})")
    return torch.device(choice)
