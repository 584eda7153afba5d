"""The Likelihood panel's shell and its Train tab, with real widgets and a real worker thread.

A tiny NADE or PixelCNN trains for one epoch on a 600-digit IDX folder; each snapshot becomes
the shared bar's "Trained here" model, which the other tabs use."""
from __future__ import annotations

import json

import numpy as np
import pytest

from gui_helpers import SMALL_FOLDER_IMAGES

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot):
    from playground.panels.likelihood.panel import LikelihoodPanel
    p = LikelihoodPanel(device="cpu")
    qtbot.addWidget(p)
    p.resize(1200, 760)
    p.show()
    yield p
    assert p.shutdown()


def _train(panel, qtbot, folder, **values):
    t = panel.train
    panel.views.setCurrentWidget(t)
    t.form.set_values({"dataset": str(folder), "epochs": 1, "batch_size": 64, "seed": 0,
                       **values})
    assert t.start()
    qtbot.waitUntil(lambda: not t.busy(), timeout=120_000)
    return t


def test_the_panel_has_six_tabs_and_the_bar_only_where_it_is_used(panel):
    tabs = [panel.views.tabText(i) for i in range(panel.views.count())]
    assert tabs == ["Sample", "Complete", "Score", "Counting", "Flows 2-D", "Train"]
    for i in range(panel.views.count()):
        panel.views.setCurrentIndex(i)
        uses_bar = tabs[i] not in ("Counting", "Flows 2-D")
        assert panel.source.isVisible() == uses_bar, tabs[i]
        assert panel.help_topic().startswith("likelihood-")


@pytest.mark.parametrize("model,fields", [("nade", {"hidden": 8}),
                                          ("pixelcnn", {"channels": 4, "layers": 1})])
def test_training_gives_a_trained_here_model_with_its_curve(panel, qtbot, small_folder,
                                                             model, fields):
    t = _train(panel, qtbot, small_folder, model=model, **fields)
    steps = -(-int(SMALL_FOLDER_IMAGES * 0.8) // 64)
    assert t.last_step == steps
    assert "Finished" in t.form.status.text()
    trained = panel.source.models["trained"]
    assert trained.family == model and trained.meta["steps"] == steps
    assert panel.source.current_key() == "trained"
    assert panel.source.names["trained"] == "Trained here"        # no longer "(training…)"
    # the curve has one point per step and a held-out dot; the preview is drawn
    assert t.chart.point_count("nll") == steps
    assert t.chart.point_count("test") == 1
    assert t.preview.image() is not None
    # the model is usable: its log-likelihood of a binary digit is finite and negative
    x = (np.random.default_rng(0).random((2, 28, 28)) < 0.2).astype(np.float32)
    lp = trained.log_prob(x)
    assert np.isfinite(lp).all() and (lp < 0).all()


def test_the_form_persists_and_a_bad_saved_form_is_ignored(panel, qtbot, small_folder):
    from playground import settings as app_settings
    from playground.panels.likelihood.train_view import FORM, TrainForm
    t = _train(panel, qtbot, small_folder, model="nade", hidden=6, seed=3)
    form = TrainForm(lambda: None)
    qtbot.addWidget(form)
    v = form.values()
    assert (v["model"], v["hidden"], v["seed"], v["dataset"]) == ("nade", 6, 3, str(small_folder))
    app_settings.settings().setValue(FORM.key, json.dumps({"model": "gan", "hidden": -5,
                                                           "epochs": 2}))
    form = TrainForm(lambda: None)
    qtbot.addWidget(form)
    assert form.values()["epochs"] == 2 and form.values()["model"] in ("nade", "pixelcnn", "gated")
    assert t is panel.train


def test_stop_keeps_the_last_step_as_trained_here(panel, qtbot, small_folder):
    t = panel.train
    panel.views.setCurrentWidget(t)
    t.form.set_values({"dataset": str(small_folder), "model": "nade", "hidden": 8, "epochs": 50})
    assert t.start()
    qtbot.waitUntil(lambda: t.last_step >= 3, timeout=120_000)
    t.form.stop_btn.click()
    qtbot.waitUntil(lambda: not t.busy(), timeout=60_000)
    trained = panel.source.models["trained"]
    assert trained.meta["steps"] >= 3
    assert "Stopped" in t.form.status.text()


def test_a_nan_loss_fails_with_a_message_and_keeps_the_last_snapshot(panel, qtbot, small_folder,
                                                                     messages, monkeypatch):
    import models.likelihood.training as training
    real = training.nll_per_image
    calls = {"n": 0}

    def poisoned(module, x):
        calls["n"] += 1
        out = real(module, x)
        return out * float("nan") if calls["n"] > 4 else out
    monkeypatch.setattr(training, "nll_per_image", poisoned)
    t = _train(panel, qtbot, small_folder, model="nade", hidden=8, epochs=3)
    assert messages and messages[-1][1] == "Training failed"
    assert "NLL became nan" in messages[-1][2]
    assert "Training failed" in t.form.status.text()


def test_opening_another_familys_checkpoint_names_its_panel(panel, messages):
    from playground.panels import CHECKPOINTS
    assert not panel.source.open_checkpoint(str(CHECKPOINTS / "mnist-vae-2d"))
    text = messages[-1][2]
    assert "not an autoregressive model" in text and "Autoencoders panel shows it" in text


def test_a_realnvp_opened_goes_to_the_flows_tab(panel, monkeypatch):
    seen = []
    monkeypatch.setattr(panel.flows, "accepts", lambda path: True)
    monkeypatch.setattr(panel.flows, "open_checkpoint", lambda path=None: seen.append(path) or True)
    assert panel.open_checkpoint("somewhere")
    assert panel.views.currentWidget() is panel.flows and seen == ["somewhere"]
