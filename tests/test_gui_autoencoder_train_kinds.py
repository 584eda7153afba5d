"""The autoencoder panel's Train column for the issue-15 kinds (AAE, WAE, HVAE, the VAE with
a PixelCNN decoder): the form shows each kind's options, Start trains the right model, bad
prior points are refused with the reason, and a run that diverges leaves a usable model.

Offscreen, on the CPU, training on a 600-image IDX folder (480 train, 120 held out), one
short epoch per run.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt


pytestmark = pytest.mark.gui
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def panel(qtbot, messages):
    from playground.panels.autoencoder.panel import AutoencoderPanel
    p = AutoencoderPanel(device="cpu")
    qtbot.addWidget(p)
    p.resize(1400, 860)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.shutdown()
    qtbot.waitUntil(lambda: not p.runner.busy, timeout=5000)


@pytest.fixture
def form(qtbot):
    from playground.panels.autoencoder.training_view import TrainingView
    t = TrainingView()
    qtbot.addWidget(t)
    t.show()
    qtbot.waitExposed(t)
    return t


def _values(folder, **extra) -> dict:
    return {"kind": "vae", "arch": "conv", "latent_dim": 2, "dataset": str(folder),
            "epochs": 1, "batch_size": 120, "lr": 1e-3, "beta": 1.0, "prior": "gaussian",
            "stochastic": False, "supervised": False, "regulariser": "mmd", "lam": 10.0,
            "decoder": "plain", "kl_warmup": 0, "free_bits": 0.0, "top_dim": 2, **extra}


def _shown(t) -> set[str]:
    """The labels of the form's visible rows."""
    out = set()
    for row in range(t.form.rowCount()):
        label = t.form.itemAt(row, t.form.ItemRole.LabelRole)
        field = t.form.itemAt(row, t.form.ItemRole.FieldRole)
        if label is not None and field is not None and t.form.isRowVisible(row):
            out.add(label.widget().text())
    return out


def _choose(qtbot, combo, data) -> None:
    """Pick an entry the way a user does: focus the combo and press Down/Up until it is
    selected (each key press is a real activation)."""
    combo.setFocus()
    target = combo.findData(data)
    assert target >= 0, data
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


# --------------------------------------------------------------------------- the form

COMMON = {"Model", "Architecture", "Dataset", "Latent dim", "Learning rate", "Batch size",
          "Epochs"}


def test_the_kind_shows_only_its_options(form, qtbot):
    t = form
    expect = {"vae": {"Decoder", "β (KL weight)", "KL remedies"},
              "ae": set(),
              "aae": {"Prior", "Encoder"},
              "wae": {"Prior", "Encoder", "Regulariser", "λ"},
              "hvae": {"β (KL weight)", "KL remedies", "Top dim (z₂)"}}
    # the panel sizes its column to the default form: no kind's options may be wider
    width = t.minimumSizeHint().width()
    for kind, extra in expect.items():
        _choose(qtbot, t.kind, kind)
        assert _shown(t) == COMMON | extra, kind
        assert t.supervised.isVisible() == (kind == "aae")
        assert t.minimumSizeHint().width() <= width, kind
    # the PixelCNN decoder says what it costs and shows
    _choose(qtbot, t.kind, "vae")
    assert not t.decoder_note.isVisible()
    _choose(qtbot, t.decoder, "pixelcnn")
    assert t.decoder_note.isVisible() and "0.4 s" in t.decoder_note.text()
    # a 2-D prior fixes d = 2 and says so; N(0, I) gives the user's d back
    _choose(qtbot, t.kind, "aae")
    t.latent.setValue(5)
    assert t.latent.isEnabled() and not t.latent_note.isVisible()
    _choose(qtbot, t.prior, "ring")
    assert t.latent.value() == 2 and not t.latent.isEnabled() and t.latent_note.isVisible()
    assert t.values()["latent_dim"] == 2
    _choose(qtbot, t.prior, "gaussian")
    assert t.latent.value() == 5 and t.latent.isEnabled() and not t.latent_note.isVisible()
    # supervised only with the mixture of 10
    assert not t.supervised.isEnabled()
    _choose(qtbot, t.prior, "mixture10")
    assert t.supervised.isEnabled()
    qtbot.mouseClick(t.supervised, LEFT)
    assert t.values()["supervised"] is True
    _choose(qtbot, t.prior, "square")
    assert not t.supervised.isEnabled() and t.values()["supervised"] is False
    # the points row only for "your points"
    assert "Your points" not in _shown(t)
    _choose(qtbot, t.prior, "points")
    assert "Your points" in _shown(t)
    qtbot.mouseClick(t.points.draw_btn, LEFT)
    assert t.points.canvas.isVisible() and t.minimumSizeHint().width() <= width
    # picking the WAE's adversarial penalty sets the paper's λ = 1; MMD back to 10
    _choose(qtbot, t.kind, "wae")
    _choose(qtbot, t.regulariser, "gan")
    assert t.lam.value() == 1.0
    _choose(qtbot, t.regulariser, "mmd")
    assert t.lam.value() == 10.0
    # every control says what it does
    for w in (t.kind, t.arch, t.dataset, t.latent, t.prior, t.stochastic, t.supervised,
              t.regulariser, t.lam, t.decoder, t.beta, t.warmup, t.free_bits, t.top_dim,
              t.lr, t.batch, t.epochs, t.points.load_btn, t.points.draw_btn,
              t.points.clear_btn, t.points.canvas):
        assert w.toolTip(), w


def test_a_running_job_locks_the_form(form):
    t = form
    t.set_values({"kind": "aae", "prior": "mixture10"})
    t.set_state("running")
    assert not any(w.isEnabled() for w in (t.kind, t.prior, t.supervised, t.stochastic,
                                           t.latent, t.points))
    t.set_state("idle")
    assert t.kind.isEnabled() and t.supervised.isEnabled() and not t.latent.isEnabled()


# --------------------------------------------------------------------------- training each kind

KINDS = {
    "aae-supervised": dict(kind="aae", prior="mixture10", supervised=True),
    "wae-mmd": dict(kind="wae", prior="gaussian", regulariser="mmd", lam=10.0),
    "wae-gan-ring": dict(kind="wae", prior="ring", regulariser="gan", lam=1.0, stochastic=True),
    "hvae": dict(kind="hvae", top_dim=3, beta=0.5),
    "vae-pixelcnn": dict(kind="vae", decoder="pixelcnn", free_bits=0.1, kl_warmup=5,
                         batch_size=240),
}
SERIES = {"aae-supervised": ["critic D", "encoder fools D"], "wae-mmd": ["MMD²"],
          "wae-gan-ring": ["critic D", "encoder fools D"],
          "hvae": ["KL", "KL top z₂", "KL bottom z₁|z₂"], "vae-pixelcnn": ["KL"]}
FACTS = {"aae-supervised": "AAE · conv · d = 2 · prior mixture of 10 · supervised",
         "wae-mmd": "WAE-MMD · conv · d = 2 · prior N(0, I) · λ = 10",
         "wae-gan-ring": "WAE-GAN · conv · d = 2 · prior ring · Gaussian encoder · λ = 1",
         "hvae": "HVAE · conv · d = 2 · z₂ 3-D · β = 0.5",
         "vae-pixelcnn": "VAE · conv · d = 2 · PixelCNN decoder · free bits 0.1 · KL warm-up 5"}


def _legend(chart) -> list[str]:
    """The legend's series, without the "test" entry of the dots."""
    return [label.text for _, label in chart.legend.items if not label.text.startswith("test")]


def _has_test_entry(chart) -> bool:
    return any(label.text.startswith("test") for _, label in chart.legend.items)


@pytest.mark.parametrize("case", list(KINDS))
def test_each_kind_trains_to_a_finished_model(panel, qtbot, small_folder, messages, case):
    opts = KINDS[case]
    panel.training.set_values(_values(small_folder, **opts))
    with qtbot.waitSignal(panel.runner.finished, timeout=120000) as done:
        qtbot.mouseClick(panel.training.train_btn, LEFT)
    assert done.args[0] is not None and messages == []
    name = panel.active_name()
    assert name.startswith(opts["kind"].upper() + " · trained"), name
    model = panel.models[name]
    c = model.config
    assert c.kind == opts["kind"] and panel.space.model is model
    for key in ("prior", "supervised", "stochastic", "decoder", "top_dim"):
        if key in opts:
            assert getattr(c, key) == opts[key], key
    if c.kind == "wae":
        assert c.regulariser == opts["regulariser"]
        assert model.meta["training"]["lam"] == opts["lam"]
    if c.kind == "vae":
        assert model.meta["training"]["free_bits"] == opts["free_bits"]
        assert model.meta["training"]["kl_warmup"] == opts["kl_warmup"]
    assert all(np.isfinite(w).all() for w in model.state_numpy().values())
    # the lower chart shows this kind's terms, with points, and the info line says what it is
    curves = panel.training.curves
    assert _legend(curves.bottom) == SERIES[case]
    # dots for the held-out terms; the AAE's critic is not evaluated on held-out data
    assert _has_test_entry(curves.bottom) == (case != "aae-supervised")
    assert curves.bottom.isVisible() and curves.bottom.has_points()
    assert panel.info.text().startswith(FACTS[case]), panel.info.text()
    # its run's curves come back with the model, labelled for its kind
    panel.select_model("VAE · pretrained (MNIST, 2-D)")
    assert _legend(curves.bottom) == ["KL"] and not curves.bottom.has_points()
    assert _legend(curves.top) == ["total", "reconstruction"]
    panel.select_model(name)
    assert _legend(curves.bottom) == SERIES[case] and curves.bottom.has_points()
    assert _legend(curves.top) == (["reconstruction"] if c.kind == "aae" else
                                   ["total", "reconstruction"])
    if case == "wae-mmd":
        # the same settings again: a second entry beside the first, not in its place
        with qtbot.waitSignal(panel.runner.finished, timeout=120000):
            qtbot.mouseClick(panel.training.train_btn, LEFT)
        assert panel.active_name() == name + " #2"
        assert panel.models[name] is model and panel.models[name + " #2"] is not model
    if case == "aae-supervised":
        # Compare AE ↔ VAE pairs an AE with a VAE, never the AAE that is selected
        qtbot.mouseClick(panel.compare_btn, LEFT)
        sides = panel.compare.sides
        assert sides["ae"].space.model.kind == "ae" and sides["vae"].space.model.kind == "vae"
        qtbot.mouseClick(panel.compare_btn, LEFT)
        assert messages == []


def test_settings_of_the_new_kinds_persist(qtbot, small_folder, messages):
    from playground.panels.autoencoder.panel import AutoencoderPanel
    wanted = _values(small_folder, kind="wae", prior="ring", regulariser="gan", lam=2.5,
                     stochastic=True, epochs=3)
    first = AutoencoderPanel(device="cpu")
    qtbot.addWidget(first)
    first.training.set_values(wanted)
    assert first.training.values() == wanted
    with qtbot.waitSignal(first.runner.finished, timeout=60000):
        qtbot.mouseClick(first.training.train_btn, LEFT)
        qtbot.mouseClick(first.training.stop_btn, LEFT)
    second = AutoencoderPanel(device="cpu")
    qtbot.addWidget(second)
    assert second.training.values() == wanted
    for p in (first, second):
        p.shutdown()


# --------------------------------------------------------------------------- your points

def _canvas_click(qtbot, canvas, x: float, y: float) -> None:
    pos = canvas.box.mapViewToScene(pg_point(x, y))
    qtbot.mouseClick(canvas.viewport(), LEFT, pos=canvas.mapFromScene(pos))


def pg_point(x, y):
    from PySide6.QtCore import QPointF
    return QPointF(x, y)


def test_bad_prior_points_are_refused_and_the_last_good_set_kept(panel, qtbot, tmp_path,
                                                                 messages, small_folder):
    t = panel.training
    box = t.points
    t.set_values(_values(small_folder, kind="aae", prior="points"))
    assert box.isVisible() and box.points() is None and "No points yet" in box.count.text()
    # no points: Start says why and lists nothing
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    qtbot.mouseClick(t.train_btn, LEFT)
    assert len(messages) == 1 and "no points yet" in messages[0][2]
    assert [panel.model_box.itemText(i) for i in range(panel.model_box.count())] == names
    assert not panel.runner.busy
    messages.clear()
    # a good file
    rng = np.random.default_rng(0)
    good = rng.normal(size=(40, 2)).round(3)
    np.savetxt(tmp_path / "good.csv", good, delimiter=",", header="x,y", comments="")
    assert box.load(str(tmp_path / "good.csv"))
    np.testing.assert_allclose(box.points(), good, atol=1e-6)
    assert box.count.text() == "40 points in use" and messages == []
    # bad files: NaN, the wrong shape, too few; each a message, the good set stays
    nan = good.copy()
    nan[3, 1] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    np.save(tmp_path / "three.npy", rng.normal(size=(40, 3)))
    np.savetxt(tmp_path / "few.txt", good[:4])
    for bad, why in (("nan.npy", "NaN"), ("three.npy", "N×2"), ("few.txt", "at least 10")):
        assert not box.load(str(tmp_path / bad))
        assert messages[-1][0] == "warning" and why in messages[-1][2], messages[-1]
        assert why in box.error.text() and box.error.isVisible()
        np.testing.assert_allclose(box.points(), good, atol=1e-6)
    assert len(messages) == 3
    # drawing: Clear, three clicks are too few (the good set stays), a drag adds enough
    qtbot.mouseClick(box.clear_btn, LEFT)
    assert box.canvas.isVisible() and len(box.canvas.points) == 0
    for x, y in ((0, 0), (1, 1), (-1, 2)):
        _canvas_click(qtbot, box.canvas, x, y)
    assert len(box.canvas.points) == 3
    np.testing.assert_allclose(box.canvas.points, [[0, 0], [1, 1], [-1, 2]], atol=0.1)
    assert "3 point(s)" in box.error.text() and "40 points" in box.error.text()
    np.testing.assert_allclose(box.points(), good, atol=1e-6)
    vp = box.canvas.viewport()
    start = box.canvas.mapFromScene(box.canvas.box.mapViewToScene(pg_point(-3, -3)))
    qtbot.mousePress(vp, LEFT, pos=start)
    for i in range(1, 30):
        p = box.canvas.mapFromScene(box.canvas.box.mapViewToScene(pg_point(-3 + 0.2 * i, -3)))
        _move(vp, p)
    qtbot.mouseRelease(vp, LEFT, pos=p)
    drawn = box.points()
    assert drawn is not None and len(drawn) > 10 and not box.error.isVisible()
    np.testing.assert_allclose(drawn[:3], [[0, 0], [1, 1], [-1, 2]], atol=0.1)
    # Start trains on the drawn set
    t.set_values({"epochs": 1})
    with qtbot.waitSignal(panel.runner.finished, timeout=60000):
        qtbot.mouseClick(t.train_btn, LEFT)
    model = panel.current_model()
    assert model.config.prior == "points"
    np.testing.assert_allclose(np.array(model.config.prior_points), drawn, atol=1e-6)
    assert "prior your points" in panel.info.text()


def _move(widget, pos: QPoint) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    ev = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                     Qt.MouseButton.NoButton, LEFT, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


# --------------------------------------------------------------------------- divergence

def test_a_diverging_aae_keeps_the_weights_of_its_last_whole_step(panel, qtbot, small_folder,
                                                                   monkeypatch, messages):
    """The third phase (the encoder fooling the critic) turns NaN at step 4, after the
    reconstruction phase has already moved the weights: the trainer puts back those of step
    3, the message says so, and the panel lists and shows that model."""
    import torch
    from models.autoencoder import training
    starts, calls = [], {"n": 0}
    real_terms, real_fool = training.loss_terms, training.fool_loss

    def recording_terms(model, *a, **k):       # the weights at the start of each step
        inner = getattr(model, "module", model)
        starts.append({n: v.detach().clone().numpy() for n, v in inner.state_dict().items()})
        return real_terms(model, *a, **k)

    def failing_fool(*a, **k):
        calls["n"] += 1
        loss = real_fool(*a, **k)
        return loss * torch.tensor(float("nan")) if calls["n"] == 4 else loss

    monkeypatch.setattr(training, "loss_terms", recording_terms)
    monkeypatch.setattr(training, "fool_loss", failing_fool)
    panel.training.set_values(_values(small_folder, kind="aae", prior="mixture10",
                                      batch_size=64, epochs=3))
    with qtbot.waitSignal(panel.runner.failed, timeout=60000):
        qtbot.mouseClick(panel.training.train_btn, LEFT)
    assert len(messages) == 1 and messages[0][0] == "warning"
    assert "step 4" in messages[0][2] and "weights of step 3" in messages[0][2]
    name = panel.active_name()
    assert name.startswith("AAE · stopped"), name
    model = panel.models[name]
    assert model.kind == "aae" and panel.space.model is model
    kept = model.state_numpy()
    assert len(starts) == 4
    for k, v in starts[-1].items():                # exactly the weights step 4 started from
        np.testing.assert_array_equal(kept[k], v, err_msg=k)
    assert "weights of step 3 are kept" in panel.training.status.text()
    images = model.decode(model.prior_sample(8, seed=0))
    assert np.isfinite(images).all() and np.isfinite(panel.plot.points()).all()
    assert panel.training.train_btn.isEnabled() and panel.save_btn.isEnabled()


def test_a_run_that_diverges_at_once_lists_nothing(panel, qtbot, small_folder, monkeypatch,
                                                   messages):
    import torch
    from models.autoencoder import training
    real = training.loss_terms

    def nan_terms(*a, **k):
        terms = real(*a, **k)
        terms["loss"] = terms["loss"] * torch.tensor(float("nan"))
        return terms

    monkeypatch.setattr(training, "loss_terms", nan_terms)
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    panel.training.set_values(_values(small_folder, kind="hvae"))
    with qtbot.waitSignal(panel.runner.failed, timeout=60000):
        qtbot.mouseClick(panel.training.train_btn, LEFT)
    assert len(messages) == 1 and "nan" in messages[0][2].lower()
    assert [panel.model_box.itemText(i) for i in range(panel.model_box.count())] == names
    assert panel.training.status.text() == "Training failed."
    assert panel.space is not None and panel.training.train_btn.isEnabled()


# --------------------------------------------------------------------------- the model list

def test_the_info_line_and_the_shipped_aae_and_wae(panel, qtbot):
    from models.autoencoder.api import AutoencoderModel
    from models.autoencoder.nets import AEConfig
    from playground.panels.autoencoder import source
    model = AutoencoderModel(AEConfig(kind="aae", prior="mixture10"),
                             {"family": "autoencoder", "dataset": {"name": "fashion-mnist"}})
    assert source.describe(model) == "AAE · conv · d = 2 · prior mixture of 10 · trained on " \
        "fashion-mnist"
    pts = tuple((float(np.cos(a)), float(np.sin(a))) for a in np.linspace(0, 6, 12))
    model = AutoencoderModel(AEConfig(kind="wae", prior="points", prior_points=pts),
                             {"training": {"lam": 10.0}})
    assert source.describe(model) == "WAE-MMD · conv · d = 2 · prior your points (12) · λ = 10"
    for name, folder, kind in ((source.FASHION_AAE_NAME, "fashion-aae-2d", "aae"),
                               (source.FASHION_WAE_NAME, "fashion-wae-2d", "wae")):
        assert source.PRETRAINED[name] == (name, folder)
        panel.select_model(name)
        if (source.CHECKPOINTS / folder).is_dir():
            assert panel.current_model().kind == kind and not panel.banner.isVisible()
        else:       # not shipped yet: listed, and the banner says why
            assert panel.current_model() is None
            assert panel.banner.isVisible() and "not available" in panel.banner.text()
            assert name in panel.banner.text()
