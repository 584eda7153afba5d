"""Test set-up: headless Qt, MNIST digits from wherever they are, and no network.

The digits: the project's machines have the whole MNIST test set in ../shared/datasets/mnist
(10,000 digits: 8,000 train, 2,000 held out). A fresh clone has only the 2,000 held-out digits
the repository ships in assets/datasets/mnist-sample (1,600 train, 400 held out). The `mnist`
fixture is whichever is here, so every test that only needs *some* digits runs on a fresh clone;
`held_out_digits` is the same 2,000 digits in both cases (the last 2,000 test digits, held
out from every shipped MNIST model, which train on MNIST's 60,000 training digits);
`full_mnist` skips with a reason when the full set is missing, except under CI, where the full
set is expected and its absence fails. $PLAYGROUND_SHARED overrides ../shared (point it at an
empty folder to try the fresh-clone case on a machine that has the full set).
"""
from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLAYGROUND_SHARED") or ROOT.parent / "shared")
SHARED_MNIST = SHARED / "datasets" / "mnist"
SAMPLE_MNIST = ROOT / "assets" / "datasets" / "mnist-sample"
HAVE_FULL_MNIST = SHARED_MNIST.is_dir()
# The folder the `mnist` fixture reads: the full set if present, else the shipped sample.
MNIST_DIR = SHARED_MNIST if HAVE_FULL_MNIST else SAMPLE_MNIST


def needs_full_mnist() -> None:
    """Skip the calling test when only the shipped sample is here; under CI, fail instead."""
    if HAVE_FULL_MNIST:
        return
    reason = f"needs the full MNIST test set in {SHARED_MNIST} (a fresh clone has 2,000 digits)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must have the full data set: {reason}")
    pytest.skip(reason)


# pytest-qt waits 5 s by default. On a 2-core machine that another program keeps busy, a
# playback or a training step can take longer than that, and a test that would pass fails on the
# clock. A wait that succeeds returns as soon as its condition holds, so a longer default only
# lengthens a failing test; explicit timeouts are left as the test wrote them.
PATIENT_WAIT_MS = 30_000


def _patient(method):
    import functools

    @functools.wraps(method)
    def wait(self, *args, timeout=PATIENT_WAIT_MS, **kwargs):
        return method(self, *args, timeout=timeout, **kwargs)
    return wait


def _make_qtbot_patient():
    from pytestqt.qtbot import QtBot
    for name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback"):
        setattr(QtBot, name, _patient(getattr(QtBot, name)))


_make_qtbot_patient()


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread(request):
    """Qt objects in reference cycles must be freed on the GUI thread. Left to Python's
    automatic collector, a job's thread may free them (seen: a pix2pix job building its U-Net
    set off a collection that destroyed an earlier test's QMenu), and the destructor then
    deadlocks against the GUI thread. The app has pyqtgraph's GarbageCollector for this; a
    GUI test runs with automatic collection off and collects on the main thread as it ends,
    after its widgets are closed (this fixture is set up first, so torn down last)."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """A folder whose mnist/ is MNIST_DIR: what $PLAYGROUND_DATA points at in every test."""
    if HAVE_FULL_MNIST:
        return SHARED_MNIST.parent
    root = tmp_path_factory.mktemp("data")
    shutil.copytree(SAMPLE_MNIST, root / "mnist")     # 330 kB; a copy works where links do not
    return root


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory, data_root):
    # "mnist" by name resolves to MNIST_DIR; nothing may download or touch ~/.cache.
    monkeypatch.setenv("PLAYGROUND_DATA", str(data_root))
    monkeypatch.setattr("models.data.DEFAULT_ROOT", tmp_path_factory.mktemp("no-cache"))

    def _no_download(*args, **kwargs):
        raise AssertionError("tests must never download")
    monkeypatch.setattr("models.data.download_dataset", _no_download)


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch):
    """Every test gets its own settings file, so none reads or writes the user's settings."""
    path = tmp_path / "settings" / "playground.ini"
    path.parent.mkdir()
    monkeypatch.setenv("PLAYGROUND_SETTINGS", str(path))
    return path


@pytest.fixture
def messages(monkeypatch):
    """QMessageBox.warning / information / critical record (kind, title, text) instead of
    blocking on a modal dialog."""
    from PySide6.QtWidgets import QMessageBox
    calls: list[tuple[str, str, str]] = []

    def recorder(kind):
        def record(parent, title, text, *args, **kwargs):
            calls.append((kind, title, text))
            return QMessageBox.StandardButton.Ok
        return record

    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return calls


@pytest.fixture(scope="session")
def mnist():
    """Real MNIST digits: 8,000 + 2,000 with the full set, 1,600 + 400 on a fresh clone.
    Tests must not depend on which (use len(), not 8000; `full_mnist` where it matters)."""
    from models.data import load_dataset
    return load_dataset(str(MNIST_DIR))


@pytest.fixture(scope="session")
def small_folder(tmp_path_factory, mnist):
    """The first 600 training images of the shared MNIST as an IDX folder (480 train, 120 held
    out): what the panels' Train tests point a dataset box at. Read only."""
    import numpy as np
    from gui_helpers import SMALL_FOLDER_IMAGES, write_idx_folder
    return write_idx_folder(tmp_path_factory.mktemp("small-mnist"),
                            mnist.train.images[:SMALL_FOLDER_IMAGES],
                            mnist.train.labels[:SMALL_FOLDER_IMAGES].astype(np.uint8))


@pytest.fixture(scope="session")
def full_mnist(mnist):
    """The full 10,000-digit set (8,000 train, 2,000 held out), or a skip (a failure under CI)."""
    needs_full_mnist()
    return mnist


@pytest.fixture(scope="session")
def held_out_digits():
    """The last 2,000 MNIST test digits, held out from every shipped MNIST model: exactly the
    shipped sample, so they are here in both cases."""
    import numpy as np
    from models.data import Split, load_dataset
    if HAVE_FULL_MNIST:
        return load_dataset(str(SHARED_MNIST)).test
    sample = load_dataset(str(SAMPLE_MNIST))
    return Split(np.concatenate([sample.train.images, sample.test.images]),
                 np.concatenate([sample.train.labels, sample.test.labels]))


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """512 training and 256 held-out images: enough to train for a few steps in a second."""
    from models.data import Dataset, Split
    return Dataset("mnist", mnist.classes, Split(mnist.train.images[:512], mnist.train.labels[:512]),
                   Split(mnist.test.images[:256], mnist.test.labels[:256]), "MNIST (subset)")


@pytest.fixture(scope="module")
def one_torch_thread():
    """These models are tiny: one thread trains them as fast as two, and does not slow to a
    crawl when other processes compete for the machine's cores."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def make_window(qtbot, messages):
    """Builds real main windows (offscreen, shown); closes them, and their help windows, after
    the test."""
    from playground.main_window import MainWindow
    windows = []

    def make():
        w = MainWindow(device="cpu")
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        windows.append(w)
        return w
    yield make
    for w in windows:
        if w._help is not None:
            w._help.close()
        w.close()
