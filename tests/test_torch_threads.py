"""Torch's threads: the GUI thread keeps one, a job's thread gets the cores, and OpenMP's
threads sleep rather than spin while they wait (set before torch loads, a user's choice kept).

The wait-policy checks run in fresh interpreters: OpenMP reads the policy once, when torch
loads it, so this test process (torch long loaded) cannot show it. With
OMP_DISPLAY_ENV=verbose GNU OpenMP prints the settings it actually took as it starts.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from idx_files import write_split_folder
from playground import torch_threads
from playground.worker import JobRunner

ROOT = Path(__file__).resolve().parents[1]


def test_jobs_get_the_cores_and_the_gui_thread_one(qtbot, monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(torch_threads, "_job_threads", None)
    torch.set_num_threads(2)
    try:
        torch_threads.reserve_cores_for_jobs()
        assert torch.get_num_threads() == 1

        def job():
            yield torch.get_num_threads()

        runner = JobRunner()
        seen = []
        runner.events.connect(seen.extend)
        with qtbot.waitSignal(runner.finished, timeout=5000):
            runner.start(job)
        assert seen == [2]                       # the job's thread trains with both cores
        assert torch.get_num_threads() == 1      # and the GUI thread still has one
    finally:
        torch.set_num_threads(before)


# ------------------------------------------------------------------ the policy, as a function
def test_passive_waits_are_set_when_torch_is_not_loaded_yet(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch")    # as in a fresh process; restored afterwards
    env = {}
    assert torch_threads.prefer_passive_waits(env) is True
    assert env == {"OMP_WAIT_POLICY": "PASSIVE"}


@pytest.mark.parametrize("mine", [{"OMP_WAIT_POLICY": "active"}, {"GOMP_SPINCOUNT": "10000"},
                                  {"KMP_BLOCKTIME": "0"}])
def test_a_users_own_wait_setting_is_kept(monkeypatch, mine):
    monkeypatch.delitem(sys.modules, "torch")
    env = dict(mine)
    assert torch_threads.prefer_passive_waits(env) is False
    assert env == mine


def test_nothing_is_set_once_torch_has_loaded():
    # too late to take effect in this process; setting it would only change child processes
    assert "torch" in sys.modules
    env = {}
    assert torch_threads.prefer_passive_waits(env) is False
    assert env == {}


# ------------------------------------------------------------------ in fresh processes
def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in torch_threads.USER_WAIT_SETTINGS}
    env.pop("PYTHONSTARTUP", None)
    env["OMP_DISPLAY_ENV"] = "verbose"
    env.update(extra)
    return env


def _run(args, env) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _spin_count(stderr: str) -> int:
    """The spin count GNU OpenMP started with (0 = sleep at once; 300000 is its default)."""
    found = re.findall(r"GOMP_SPINCOUNT = '(\d+)'", stderr)
    if not found:
        pytest.skip("torch's OpenMP runtime is not GNU's: it does not display GOMP_SPINCOUNT")
    assert len(found) == 1, "OpenMP started more than once?"
    return int(found[0])


def test_probe_sees_torchs_default_spinning():
    # guards the tests below against a probe that always reads 0
    assert _spin_count(_run(["-c", "import torch"], _clean_env()).stderr) > 0


def test_the_app_process_starts_openmp_with_passive_waits():
    # what `playground` does before its window: the package first, then torch via the app
    code = ("import playground.app, playground.main_window, torch, os; "
            "torch.ones(64, 64) @ torch.ones(64, 64); print(os.environ['OMP_WAIT_POLICY'])")
    proc = _run(["-c", code], _clean_env(QT_QPA_PLATFORM="offscreen"))
    assert proc.stdout.split() == ["PASSIVE"]
    assert _spin_count(proc.stderr) == 0


def test_a_cli_training_run_starts_openmp_with_passive_waits(tmp_path):
    rng = np.random.default_rng(0)
    data = write_split_folder(tmp_path / "tiny", rng.integers(0, 256, (80, 28, 28)),
                              np.arange(80) % 10, n_train=64)
    out = tmp_path / "ckpt"
    proc = _run(["-m", "playground", "train", "ae", "--dataset", str(data), "--epochs", "1",
                 "--batch-size", "32", "--device", "cpu", "--no-download", "--out", str(out)],
                _clean_env())
    assert (out / "model.safetensors").is_file()
    assert _spin_count(proc.stderr) == 0


def test_the_users_own_policy_reaches_openmp():
    proc = _run(["-c", "import playground, torch, os; print(os.environ['OMP_WAIT_POLICY'])"],
                _clean_env(OMP_WAIT_POLICY="ACTIVE"))
    assert proc.stdout.split() == ["ACTIVE"]
    assert "OMP_WAIT_POLICY = 'ACTIVE'" in proc.stderr
    assert _spin_count(proc.stderr) > 300_000          # active: spins far longer than default


def test_the_users_own_spin_count_reaches_openmp():
    proc = _run(["-c", "import playground, torch, os; print(os.environ.get('OMP_WAIT_POLICY'))"],
                _clean_env(GOMP_SPINCOUNT="12345"))
    assert proc.stdout.split() == ["None"]
    assert _spin_count(proc.stderr) == 12345
