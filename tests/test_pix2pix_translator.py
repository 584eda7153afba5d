"""The painter's translation thread: latest request wins, failures are reported, and the
thread ends on shutdown. Driven with a real thread and the Qt event loop."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from playground.panels.pix2pix.translator import LiveTranslator


class FakeModel:
    """Returns the map's mean as a 2×2×3 picture; can be held at the gate."""

    def __init__(self, hold: bool = False):
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls: list[tuple[float, int, bool]] = []
        self.batch_stats: list[bool] = []
        if not hold:
            self.gate.set()

    def translate(self, x, noise=True, seed=None, batch_stats=False):
        self.started.set()
        self.gate.wait(10)
        if np.isnan(x).any():
            raise ValueError("the map has NaN")
        self.calls.append((float(x.mean()), seed, noise))
        self.batch_stats.append(batch_stats)
        return np.full((2, 2, 3), int(x.mean()), np.uint8)


@pytest.fixture
def translator(qtbot):
    t = LiveTranslator()
    yield t
    assert t.shutdown()


def test_a_request_comes_back_on_the_gui_thread_with_its_id(qtbot, translator):
    model = FakeModel()
    got = []
    translator.translated.connect(lambda img, rid, s: got.append((img, rid, s,
                                                                  threading.current_thread())))
    with qtbot.waitSignal(translator.translated, timeout=5000):
        rid = translator.request(model, np.full((4, 4), 7.0), seed=3, noise=False)
    image, got_id, seconds, thread = got[0]
    assert got_id == rid and seconds >= 0
    assert thread is threading.main_thread()
    np.testing.assert_array_equal(image, np.full((2, 2, 3), 7, np.uint8))
    assert model.calls == [(7.0, 3, False)] and model.batch_stats == [False]
    with qtbot.waitSignal(translator.translated, timeout=5000):
        translator.request(model, np.full((4, 4), 2.0), seed=3, noise=False, batch_stats=True)
    assert model.batch_stats == [False, True]


def test_requests_that_were_overtaken_are_dropped(qtbot, translator):
    model = FakeModel(hold=True)
    ids = []
    translator.translated.connect(lambda img, rid, s: ids.append(rid))
    first = translator.request(model, np.full((4, 4), 1.0), seed=0)
    assert model.started.wait(5)           # the first one is running and held
    for v in (2.0, 3.0, 4.0):
        last = translator.request(model, np.full((4, 4), v), seed=0)
    assert translator.busy
    model.gate.set()
    qtbot.waitUntil(lambda: last in ids, timeout=5000)
    assert ids == [first, last]
    assert [c[0] for c in model.calls] == [1.0, 4.0]
    assert translator.dropped == 2


def test_the_request_is_a_copy_of_the_map(qtbot, translator):
    model = FakeModel(hold=True)
    x = np.full((4, 4), 5.0)
    translator.request(model, np.zeros((4, 4)), seed=0)
    assert model.started.wait(5)
    rid = translator.request(model, x, seed=0)
    x[:] = 9.0                             # the canvas keeps painting meanwhile
    with qtbot.waitSignal(translator.translated, timeout=5000,
                          check_params_cb=lambda img, r, s: r == rid):
        model.gate.set()
    assert model.calls[-1][0] == 5.0


def test_a_failure_is_reported_and_the_thread_keeps_serving(qtbot, translator):
    model = FakeModel()
    errors = []
    translator.failed.connect(lambda text, rid: errors.append((text, rid)))
    with qtbot.waitSignal(translator.failed, timeout=5000):
        bad = translator.request(model, np.full((4, 4), np.nan), seed=0)
    assert errors == [("ValueError: the map has NaN", bad)]
    with qtbot.waitSignal(translator.translated, timeout=5000):
        translator.request(model, np.ones((4, 4)), seed=0)


def test_shutdown_ends_the_thread_even_with_work_pending(qtbot):
    t = LiveTranslator()
    model = FakeModel(hold=True)
    t.request(model, np.zeros((2, 2)), seed=0)
    assert model.started.wait(5)
    t.request(model, np.ones((2, 2)), seed=0)
    model.gate.set()
    assert t.shutdown()
    assert not t.worker._thread.is_alive()
    assert len(model.calls) <= 1           # the pending request was dropped, not run


def test_the_worker_counts_an_answer_on_the_gui_thread_after_the_views_slot(qtbot):
    """settled turns true only once the GUI thread has run the view's own slot for the answer
    (a test or a caller waiting for it must find the picture shown), never earlier."""
    import threading

    from PySide6.QtCore import QObject, Slot

    from playground.latest_worker import LatestWorker

    class View(QObject):
        def __init__(self, worker):
            super().__init__()
            self.worker, self.seen = worker, []

        @Slot(object, int, float)
        def on_done(self, _result, rid, _seconds):
            self.seen.append((self.worker.settled, rid, threading.current_thread()))

    worker = LatestWorker("t")
    view = View(worker)
    worker.done.connect(view.on_done)
    gate = threading.Event()
    rid = worker.submit(lambda: gate.wait(5))
    gate.set()
    qtbot.waitUntil(lambda: worker.settled, timeout=5000)
    assert view.seen == [(False, rid, threading.main_thread())]   # shown before it counted
    assert worker.shutdown()
