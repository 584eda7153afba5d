"""The GUI thread keeps one torch thread; a job's thread gets the cores back."""
import torch

from playground import torch_threads
from playground.worker import JobRunner


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
