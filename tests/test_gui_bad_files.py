"""Bad files through the GUI (issue 11 §6): File → Open and Load points show a dialog naming
the file for every refusal, and change nothing; points near float32's limit load and show."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from models.autoencoder.nets import AEConfig  # noqa: E402
from models.autoencoder.api import AutoencoderModel  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("one_torch_thread")]


def _bad_checkpoints(tmp_path):
    model = AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16))
    out = {}
    out["dataset is a string"] = tmp_path / "ds"
    model.save(out["dataset is a string"], dataset="mnist")
    out["latent box"] = tmp_path / "box"
    model.save(out["latent box"], latent_box=[[0, 0], [1]])
    deep = tmp_path / "deep"
    model.save(deep)
    from safetensors.numpy import load_file, save_file
    save_file(load_file(str(deep / "model.safetensors")), str(deep / "model.safetensors"),
              metadata={"playground": "[" * 100_000 + "]" * 100_000})
    out["deep JSON"] = deep
    out["name too long"] = tmp_path / ("x" * 300)
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "model.safetensors")
    out["fifo"] = fifo
    huge = tmp_path / "huge"
    huge.mkdir()
    header = json.dumps({"__metadata__": {"playground": json.dumps(
        {"family": "pix2pix", "config": {"input": "rgb", "size": 256, "depth": 8, "width": 256}})}})
    (huge / "model.safetensors").write_bytes(len(header).to_bytes(8, "little") + header.encode())
    out["huge pix2pix"] = huge
    return out


def test_file_open_shows_each_refusal_in_a_dialog(qtbot, messages, tmp_path):
    from playground.main_window import MainWindow
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    try:
        w.tabs.setCurrentWidget(w.autoencoder)
        for case, path in _bad_checkpoints(tmp_path).items():
            before = len(messages)
            assert w.open_checkpoint(str(path)) is False, case
            assert len(messages) == before + 1, case
            kind, title, text = messages[-1]
            assert kind == "warning" and title == "Cannot open checkpoint", case
            assert str(path)[:60] in text, (case, text)
        assert w.tabs.currentWidget() is w.autoencoder
    finally:
        w.close()


@pytest.fixture
def lab(qtbot, messages):
    from playground import settings
    from playground.panels.gan.lab_view import SETTINGS_KEY, Lab2DView
    settings.set_json(SETTINGS_KEY, {"dataset": "8gaussians", "g_width": 16, "d_width": 16,
                                     "g_layers": 1, "d_layers": 1, "batch_size": 32})
    v = Lab2DView(device="cpu")
    qtbot.addWidget(v)
    yield v
    v.shutdown()


def test_load_points_shows_a_malformed_header_in_a_dialog(lab, messages, tmp_path):
    path = tmp_path / "bad.npy"
    good = tmp_path / "g.npy"
    np.save(good, np.zeros((3, 2), np.float32))
    raw = good.read_bytes()
    body = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), \"\"\""
    path.write_bytes(raw[:10] + body.ljust(117).encode() + b"\n" + raw[128:])
    before = lab.points.copy()
    assert lab.load_points(str(path)) is False
    assert messages and messages[-1][1] == "Cannot load points" and str(path) in messages[-1][2]
    assert "not a NumPy .npy file (bad header)" in messages[-1][2]
    np.testing.assert_array_equal(lab.points, before)


def test_load_points_near_the_float32_limit_are_fitted_not_nan(lab, messages, tmp_path):
    path = tmp_path / "huge.npy"
    np.save(path, np.array([[3e38, -3e38], [-3e38, 3e38], [1e38, 0]], np.float32))
    assert lab.load_points(str(path)) is True, messages
    assert np.isfinite(lab.points).all() and np.abs(lab.points).max() <= 2.5
    assert np.isfinite(lab.plot.real_positions()).all()
