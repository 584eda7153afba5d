"""scripts/train_checkpoints.py: the data check `make checkpoints` runs first, and the table of
the time each rebuilt checkpoint took."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from idx_files import write_split_folder

from models.family import Family, Recipe, register

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "train_checkpoints.py"
BUILT: list[tuple[str, str]] = []


def _script():
    spec = importlib.util.spec_from_file_location("train_checkpoints_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toy_recipes() -> list[Recipe]:
    return [Recipe("toy-ok", "toy-ok", (), 0.5, "a toy that builds", build=f"{__name__}:toy_build"),
            Recipe("toy-fails", "toy-fails", (), 0.5, "a toy that fails",
                   build=f"{__name__}:toy_fail")]


def toy_build(out, data: str) -> int:
    BUILT.append((Path(out).name, data))
    return 0


def toy_fail(out, data: str) -> int:
    BUILT.append((Path(out).name, data))
    return 3


TOY = Family(name="toy-rebuild", title="Toy", order=99, rebuild=f"{__name__}:toy_recipes")


def run(*argv: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *argv], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_check_names_the_missing_folder_and_exits_1(tmp_path):
    missing = tmp_path / "datasets" / "mnist-full"
    proc = run("--check", "--data", str(missing), "--only", "classifier")
    assert proc.returncode == 1
    assert str(missing) in proc.stderr and "Traceback" not in proc.stderr


def test_check_passes_on_folders_that_hold_the_data(tmp_path, mnist):
    datasets = tmp_path / "datasets"
    for name in ("mnist-full", "fashion-mnist"):
        write_split_folder(datasets / name, mnist.train.images[:300], mnist.train.labels[:300], 240)
    proc = run("--check", "--data", str(datasets / "mnist-full"), "--only", "classifier", "vae",
               "fashion-vae")
    assert proc.returncode == 0, proc.stderr
    oks = [line for line in proc.stdout.splitlines() if line.startswith("ok: ")]
    assert len(oks) == 2 and "3 checkpoints" in proc.stdout


def test_a_pix2pix_only_rebuild_needs_no_digits(tmp_path):
    proc = run("--check", "--data", str(tmp_path / "nothing-here"), "--only", "pix2pix")
    assert proc.returncode == 0, proc.stderr


def test_each_recipe_reports_its_time_and_a_failure_stops_the_rest(capsys, monkeypatch, tmp_path):
    script = _script()
    BUILT.clear()
    with register(TOY):
        monkeypatch.setattr(sys, "argv", ["train_checkpoints.py", "--data", str(tmp_path),
                                          "--only", "toy-ok", "toy-fails"])
        assert script.main() == 3
    out = capsys.readouterr().out
    assert BUILT == [("toy-ok", str(tmp_path)), ("toy-fails", str(tmp_path))]
    assert "== toy-ok: done in 0 min" in out and "== toy-fails: FAILED (3) in 0 min" in out
    table = out[out.index("Time each took"):]
    assert "toy-ok" in table and "toy-fails" in table and table.count("FAILED") == 1
    # a failed rebuild writes no sample afterwards
    assert "Wrote" not in out


@pytest.mark.parametrize("seconds,words", [(0.4, "0 min 00 s"), (61, "1 min 01 s"),
                                           (3599.6, "60 min 00 s")])
def test_minutes(seconds, words):
    assert _script().minutes(seconds) == words
