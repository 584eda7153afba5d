"""`models/` and the headless `train` command must never import Qt.

Each check runs in a fresh interpreter, so nothing the test session imported can leak in.
"""
from __future__ import annotations

import ast
import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QT_PREFIXES = ("PySide6", "PyQt", "shiboken", "pyqtgraph", "superqt", "qtpy")


def _run(code_or_args: list[str], cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    return subprocess.run([sys.executable, *code_or_args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _qt_modules_from_stdout(stdout: str) -> list[str]:
    # the last line printed is the repr of the list of Qt modules found in sys.modules
    return ast.literal_eval(stdout.strip().splitlines()[-1])


def test_models_package_imports_no_qt():
    # every module under models/, found on disk so a new one is covered without editing this
    names = sorted({"models." + ".".join(p.relative_to(ROOT / "models").with_suffix("").parts)
                    for p in (ROOT / "models").rglob("*.py") if p.name != "__init__.py"}
                   | {"models", "models.diffusion"})
    assert "models.diffusion.scheduler" in names and "models.trainer" in names and "models.autoencoder.training" in names
    code = (f"import importlib, sys; [importlib.import_module(n) for n in {names!r}]; "
            f"print([m for m in sys.modules if m.startswith({QT_PREFIXES!r})])")
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    assert _qt_modules_from_stdout(proc.stdout) == []


def test_probe_detects_qt_when_it_is_imported():
    # guards the test above against a probe that can never find anything
    code = ("import PySide6.QtCore, sys; "
            f"print([m for m in sys.modules if m.startswith({QT_PREFIXES!r})])")
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    assert "PySide6.QtCore" in _qt_modules_from_stdout(proc.stdout)


def test_train_help_imports_no_qt():
    # -X importtime lists every module the interpreter imported, on stderr
    proc = _run(["-X", "importtime", "-m", "playground", "train", "vae", "--help"])
    assert proc.returncode == 0, proc.stderr
    assert "--latent-dim" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")]
    assert "playground.cli" in imported  # the probe saw the package being imported
    assert [m for m in imported if m.startswith(QT_PREFIXES)] == []


def _write_idx(path: Path, arr: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    path.write_bytes(gzip.compress(header + np.ascontiguousarray(arr, np.uint8).tobytes()))


def test_train_command_runs_without_importing_qt(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "tiny"
    data.mkdir()
    _write_idx(data / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (64, 28, 28)), 2051)
    _write_idx(data / "train-labels-idx1-ubyte.gz", np.arange(64) % 10, 2049)
    out = tmp_path / "ckpt"
    code = ("import sys; from playground.cli import main; "
            f"rc = main(['train', 'ae', '--dataset', {str(data)!r}, '--epochs', '1', "
            f"'--batch-size', '32', '--device', 'cpu', '--no-download', '--out', {str(out)!r}]); "
            "print('rc', rc); "
            f"print([m for m in sys.modules if m.startswith({QT_PREFIXES!r})])")
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    assert "rc 0" in proc.stdout, proc.stderr
    assert (out / "model.safetensors").is_file()
    assert _qt_modules_from_stdout(proc.stdout) == []
