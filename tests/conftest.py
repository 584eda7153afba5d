"""Test set-up: headless Qt, the shared MNIST test set, and no network."""
from __future__ import annotations

import gc
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist"


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


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    # Named datasets resolve to the shared MNIST; nothing may download or touch ~/.cache.
    monkeypatch.setenv("PLAYGROUND_DATA", str(SHARED_MNIST.parent))
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
    from models.data import load_dataset
    if not SHARED_MNIST.is_dir():
        pytest.fail(f"the shared MNIST test set is missing at {SHARED_MNIST}")
    return load_dataset(str(SHARED_MNIST))


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """512 training and 256 held-out images: enough to train for a few steps in a second."""
    from models.data import Dataset, Split
    return Dataset("mnist", mnist.classes, Split(mnist.train.images[:512], mnist.train.labels[:512]),
                   Split(mnist.test.images[:256], mnist.test.labels[:256]), "shared MNIST (subset)")


@pytest.fixture(scope="module")
def one_torch_thread():
    """These models are tiny: one thread trains them as fast as two, and does not slow to a
    crawl when other processes compete for the machine's cores."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
