"""Torch's threads: the GUI thread keeps one; a job's thread gets the cores that other
programs leave free (from /proc/stat), shared between the jobs, and looks again as it runs;
the CLI does the same; nothing changes OpenMP's own settings.
"""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from idx_files import write_split_folder
from playground import torch_threads
from playground.worker import JobRunner

ROOT = Path(__file__).resolve().parents[1]


class FakeWatch:
    """Stands in for the /proc/stat watch: `others` is what the test says it is."""

    def __init__(self, others: float = 0.0):
        self.others = others
        self.ready = threading.Event()
        self.ready.set()

    def start(self):
        pass


@pytest.fixture
def quiet(monkeypatch):
    """A machine where no other program uses the CPUs, whatever this one is doing."""
    fake = FakeWatch()
    monkeypatch.setattr(torch_threads, "watch", fake)
    monkeypatch.setattr(torch_threads, "_active_jobs", 0)
    monkeypatch.setattr(torch_threads, "_local", threading.local())
    return fake


def test_jobs_get_the_cores_and_the_gui_thread_one(qtbot, monkeypatch, quiet):
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
# ------------------------------------------------------------------ measuring, as functions
STAT = "cpu  {} 0 {} {} {} 0 {} {} 0 0\ncpu0 1 2 3 4\n"


def test_busy_time_is_everything_but_idle_and_iowait():
    # user 300, system 100, idle 500, iowait 40, softirq 20, steal 40 ticks at 100 per second
    text = STAT.format(300, 100, 500, 40, 20, 40)
    assert torch_threads.parse_proc_stat(text, 100) == pytest.approx((300 + 100 + 20 + 40) / 100)
    with pytest.raises(ValueError):
        torch_threads.parse_proc_stat("intr 1 2 3\n", 100)


def test_other_programs_use_the_busy_time_this_process_did_not():
    S = torch_threads.CpuSample
    # 2 s of wall time; the machine was busy 3.0 CPU-s, of which this process 1.2 → others 0.9 cores
    assert torch_threads.others_busy(S(10.0, 50.0, 4.0), S(12.0, 53.0, 5.2)) == pytest.approx(0.9)
    assert torch_threads.others_busy(S(10.0, 50.0, 4.0), S(12.0, 50.5, 5.0)) == 0.0   # never < 0
    assert torch_threads.others_busy(S(10.0, 50.0, 4.0), S(10.0, 51.0, 4.0)) == 0.0   # no time


@pytest.mark.parametrize("cores, others, jobs, threads", [
    (2, 0.0, 1, 2), (2, 0.4, 1, 2), (2, 0.6, 1, 1), (2, 1.0, 1, 1), (2, 1.9, 1, 1), (2, 7.0, 1, 1),
    (2, 0.0, 2, 1),                       # two jobs in this process share the two cores
    (16, 3.0, 1, 13), (16, 3.0, 2, 6), (16, 2.49, 1, 14), (1, 0.0, 1, 1)])
def test_threads_are_the_cores_others_leave_free(cores, others, jobs, threads):
    assert torch_threads.free_threads(cores, others, jobs) == threads


def test_the_watch_reads_this_machines_proc_stat():
    watch = torch_threads.CoreWatch()
    if not watch.available:
        pytest.skip("no /proc/stat on this system: jobs keep every core")
    a = watch.sample()
    sum(range(2_000_000))                       # this process's own work is not the others'
    b = watch.sample()
    assert b.wall > a.wall and b.busy >= a.busy and b.own > a.own


def test_without_proc_stat_nothing_is_counted(tmp_path):
    watch = torch_threads.CoreWatch(str(tmp_path / "missing"))
    watch.start()
    assert watch.ready.is_set() and watch.others == 0.0


# ------------------------------------------------------------------ a real busy program
BUSY_LOOP = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n"


def test_a_program_that_keeps_a_core_busy_is_seen(qtbot):
    watch = torch_threads.CoreWatch()
    if not watch.available:
        pytest.skip("no /proc/stat on this system")
    watch.start()
    hog = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        # the loop takes (nearly) a whole core, which no sample may credit to this process
        qtbot.waitUntil(lambda: watch.others > 0.6)
    finally:
        hog.kill()
        hog.wait()


# ------------------------------------------------------------------ jobs adapt as they run
def test_a_job_uses_the_free_cores_and_looks_again_as_it_runs(qtbot, monkeypatch, quiet):
    monkeypatch.setattr(torch_threads, "_job_threads", 2)
    monkeypatch.setattr(torch_threads, "ADAPT_EVERY_S", 0.0)
    def job():
        yield torch.get_num_threads()        # the machine is idle: both cores
        quiet.others = 1.0                    # another program takes a core …
        yield "taken"
        yield torch.get_num_threads()         # … and the worker looked again before this step
        quiet.others = 0.0
        yield "left"
        yield torch.get_num_threads()

    runner = JobRunner()
    seen = []
    runner.events.connect(seen.extend)
    with qtbot.waitSignal(runner.finished):
        runner.start(job)
    assert seen == [2, "taken", 1, "left", 2]
    assert torch_threads._active_jobs == 0          # the job's share is given back


def test_two_jobs_at_once_share_the_cores(qtbot, monkeypatch, quiet):
    monkeypatch.setattr(torch_threads, "_job_threads", 2)
    both = threading.Barrier(2, timeout=30)

    def job():
        both.wait()                                   # both jobs have started
        threads = torch_threads.adapt_job_threads(force=True)
        both.wait()                                   # neither has ended before both looked
        yield threads

    runners, seen = [JobRunner(), JobRunner()], []
    for runner in runners:
        runner.events.connect(seen.extend)
    with qtbot.waitSignals([r.finished for r in runners]):
        for runner in runners:
            runner.start(job)
    assert seen == [1, 1]


def test_the_cli_adapts_between_events(monkeypatch, quiet):
    monkeypatch.setattr(torch_threads, "_job_threads", 2)
    monkeypatch.setattr(torch_threads, "ADAPT_EVERY_S", 0.0)
    before = torch.get_num_threads()

    def job():
        yield torch.get_num_threads()
        yield torch.get_num_threads()
        return "done"

    try:
        gen = torch_threads.adapting(job())
        seen = [next(gen)]
        quiet.others = 1.2                    # another program takes a core between two events
        seen.append(next(gen))
        with pytest.raises(StopIteration) as stop:
            next(gen)
        assert seen == [2, 1] and stop.value.value == "done"
        assert torch_threads._active_jobs == 0
    finally:
        torch.set_num_threads(before)


def test_the_cli_trains_through_the_adapting_loop(tmp_path, monkeypatch, quiet):
    from playground.cli import main
    calls = []
    real = torch_threads.adapt_job_threads
    monkeypatch.setattr(torch_threads, "adapt_job_threads",
                        lambda force=False: calls.append(force) or real(force))
    rng = np.random.default_rng(0)
    data = write_split_folder(tmp_path / "tiny", rng.integers(0, 256, (80, 28, 28)),
                              np.arange(80) % 10, n_train=64)
    before = torch.get_num_threads()
    try:
        assert main(["train", "ae", "--dataset", str(data), "--epochs", "1", "--batch-size", "32",
                     "--device", "cpu", "--no-download", "--out", str(tmp_path / "ckpt")]) == 0
    finally:
        torch.set_num_threads(before)
    assert len(calls) > 2                     # once as the job starts, then between its events


# ------------------------------------------------------------------ OpenMP's own settings
def test_the_app_leaves_openmps_settings_alone():
    # A user's OMP_WAIT_POLICY / GOMP_SPINCOUNT reach OpenMP as they are; the app sets none.
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    code = ("import playground.app, playground.main_window, playground.cli, os; "
            "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["None", "None"]
