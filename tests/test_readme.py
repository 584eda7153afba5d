"""Every ```python block in the README runs as written, each in a fresh interpreter from the
repository root (the shipped checkpoints, data from assets/ only), within a time bound."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
TIME_LIMIT_S = 300      # generous: the slowest block takes ~10 s alone, more on a busy machine


def python_blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_python_examples():
    assert len(python_blocks()) >= 4     # autoencoders, diffusion, GANs, pix2pix


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs(index, tmp_path):
    code = python_blocks()[index]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT),
               # a named dataset must not be found (or downloaded) outside the repository
               PLAYGROUND_DATA=str(tmp_path / "no-data"), HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=TIME_LIMIT_S)
    assert done.returncode == 0, f"README block {index + 1} failed:\n{code}\n{done.stderr[-3000:]}"
