"""The Shared latent view: one projection for both domains (the PCA of their union), the
pair-distance figure against brute force, clicking a point, the colour switch, and a CycleGAN
or no model explained instead of plotted. Tiny untrained models, 60 digits."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from playground.panels.translation.latent_codes import pair_distances, pca_plane  # noqa: E402

pytestmark = pytest.mark.gui
N = 60


# ---------------------------------------------------------------------- the maths
def test_one_projection_for_both_domains_is_the_pca_of_their_union():
    rng = np.random.default_rng(0)
    z_a = rng.normal(size=(40, 6)) * [5, 3, 1, 1, 0.5, 0.1]
    z_b = z_a + [2.0, -1, 0, 0, 0, 0] + rng.normal(scale=0.1, size=(40, 6))
    xy_a, xy_b, axes, explained = pca_plane(z_a, z_b)
    union = np.concatenate([z_a, z_b])
    mean = union.mean(0)
    # the same mean and axes for both sets
    assert np.allclose(xy_a, (z_a - mean) @ axes.T, atol=1e-5)
    assert np.allclose(xy_b, (z_b - mean) @ axes.T, atol=1e-5)
    # the axes: the covariance's top two eigenvectors (up to sign), orthonormal
    w, v = np.linalg.eigh(np.cov(union.T))
    top = v[:, np.argsort(w)[::-1][:2]].T
    assert np.allclose(np.abs(np.sum(axes * top, 1)), 1, atol=1e-8)
    assert np.allclose(axes @ axes.T, np.eye(2), atol=1e-10)
    assert explained[0] == pytest.approx(np.sort(w)[-1] / w.sum())
    # centred on the union, not on A: B's shift shows as B's offset from A in the plane
    shift = (xy_b - xy_a).mean(0)
    assert np.allclose(shift, axes @ [2.0, -1, 0, 0, 0, 0], atol=0.1)
    assert np.allclose(xy_a.mean(0) + xy_b.mean(0), 0, atol=1e-5)


def test_pair_distances_against_brute_force():
    rng = np.random.default_rng(1)
    z_a, z_b = rng.normal(size=(9, 5)), rng.normal(size=(9, 5))
    z_b[:4] = z_a[:4] + 0.01
    paired, random = pair_distances(z_a, z_b)
    assert paired == pytest.approx(np.mean([np.linalg.norm(z_a[i] - z_b[i]) for i in range(9)]))
    assert random == pytest.approx(np.mean([np.linalg.norm(z_a[i] - z_b[j])
                                            for i in range(9) for j in range(9) if i != j]))
    assert pair_distances(z_a, z_a)[0] == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError):
        pair_distances(z_a[:1], z_b[:1])


# ---------------------------------------------------------------------- the view
@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from test_gui_translation_translate import tiny_cyclegan, tiny_unit
    root = tmp_path_factory.mktemp("checkpoints")
    tiny_unit().save(root / "digits-unit")
    tiny_cyclegan().save(root / "landscapes-cyclegan")
    return root


@pytest.fixture
def make_view(qtbot, monkeypatch, shipped, one_torch_thread):
    from playground.panels.translation import translate_source
    from playground.panels.translation.latent_view import LatentView
    views = []

    def make(root=shipped):
        monkeypatch.setattr(translate_source.TranslatorSource, "checkpoints_root", root)
        v = LatentView(n_digits=N)
        qtbot.addWidget(v)
        v.resize(1100, 650)
        v.show()
        qtbot.waitExposed(v)
        views.append(v)
        qtbot.waitUntil(v.settled)
        return v
    yield make
    for v in views:
        assert v.shutdown()


def test_the_plot_is_both_domains_in_the_unions_pca(make_view):
    from playground.panels.translation.translate_examples import held_digits
    v = make_view()
    assert v.current_key() == "digits-unit" and v.codes is not None
    model, d = v.current_model(), held_digits()
    z_a, z_b = model.encode(d.grey[:N], "A"), model.encode(d.textured[:N], "B")
    xy_a, xy_b, _, _ = pca_plane(z_a, z_b)
    assert np.allclose(v.codes.xy_a, xy_a, atol=1e-5) and np.allclose(v.codes.xy_b, xy_b, atol=1e-5)
    assert np.allclose(v.scatter.xy["A"], xy_a, atol=1e-5)
    assert np.array_equal(v.codes.labels, d.labels[:N])
    # the figure: brute force over the full codes
    paired = np.mean([np.linalg.norm(z_a[i] - z_b[i]) for i in range(N)])
    random = np.mean([np.linalg.norm(z_a[i] - z_b[j]) for i in range(N) for j in range(N) if i != j])
    assert v.codes.paired == pytest.approx(paired, rel=1e-5)
    assert v.codes.random == pytest.approx(random, rel=1e-5)
    import re
    figures = [float(t) for t in re.findall(r"<b>([0-9.]+)</b>", v.stats.text())]
    assert figures[:2] == [pytest.approx(paired, abs=0.6e-3), pytest.approx(random, abs=0.6e-3)]
    assert f"the first {N} of the 2,000 held-out MNIST digits" in v.status.text()


def test_clicking_a_point_shows_that_digit_in_both_domains(make_view, qtbot):
    v = make_view()
    c = v.codes
    # the most isolated B point, so the click cannot land nearer another one
    pts = np.concatenate([c.xy_a, c.xy_b])
    gaps = [np.sort(np.linalg.norm(pts - p, axis=1))[1] for p in c.xy_b]
    i = int(np.argmax(gaps))
    pos = v.scatter.to_viewport(*c.xy_b[i])
    qtbot.mouseClick(v.scatter.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert v.picked == ("B", i) and v.scatter.selected == i
    model = v.current_model()
    shown = {k: view.image() for k, (view, _) in v.digit_views.items()}
    assert np.array_equal(shown["a"], c.grey[i]) and np.array_equal(shown["b"], c.textured[i])
    assert np.array_equal(shown["a_to_b"], model.translate(c.grey[i], "AtoB"))
    assert np.array_equal(shown["b_to_a"], model.translate(c.textured[i], "BtoA"))
    assert f"Digit {i}" in v.picked_label.text()
    # a click far from every point picks nothing and keeps the digit shown
    lo, hi = float(pts[:, 0].min()), float(pts[:, 0].max())
    v.scatter.view.setXRange(lo, hi + 3 * (hi - lo), padding=0)
    far = v.scatter.to_viewport(hi + 2 * (hi - lo), float(pts[:, 1].mean()))
    qtbot.mouseClick(v.scatter.plot.viewport(), Qt.MouseButton.LeftButton, pos=far)
    assert v.picked == ("B", i)


def test_colour_by_domain_or_class_and_it_is_remembered(make_view, qtbot):
    from playground.widgets import CLASS_COLOURS
    v = make_view()
    assert v.scatter.colour_by == "domain"
    names = lambda d: {b.color().name() for b in v.scatter.brushes(d)}  # noqa: E731
    assert len(names("A")) == 1 and len(names("B")) == 1 and names("A") != names("B")
    v.colour_box.setCurrentIndex(v.colour_box.findData("class"))
    labels = v.codes.labels
    assert [b.color().name() for b in v.scatter.brushes("B")] == \
        [CLASS_COLOURS[k] for k in labels]
    assert make_view().scatter.colour_by == "class"
    # the symbols tell the domains apart whatever the colour
    assert v.scatter.items["A"].opts["symbol"] != v.scatter.items["B"].opts["symbol"]


def test_a_cyclegan_has_no_shared_space_and_says_why(make_view, qtbot):
    v = make_view()
    v.select_model("landscapes")
    assert v.stack.currentWidget() is v.empty and "no shared latent space" in v.empty.text()
    assert v.codes is None and not v.side.isVisibleTo(v)
    v.select_model("digits-unit")                       # back: the codes are kept, not redone
    assert v.settled() and v.codes is not None and v.stack.currentWidget() is v.scatter


def test_no_model_is_a_message(make_view, qtbot, tmp_path):
    empty = tmp_path / "none"
    empty.mkdir()
    v = make_view(empty)
    assert v.banner.isVisibleTo(v) and v.stack.currentWidget() is v.empty
    assert "No model" in v.empty.text()
    with qtbot.waitSignal(v.message) as blocker:
        assert not v.export_png(str(tmp_path / "x.png"))
    assert "no plot" in blocker.args[0]


def test_a_unit_trained_here_is_encoded_and_export_saves_it(make_view, qtbot, tmp_path,
                                                            monkeypatch):
    from PySide6.QtWidgets import QApplication, QFileDialog

    from test_gui_translation_translate import tiny_unit
    v = make_view()
    unit = tiny_unit(seed=3)
    v.set_trained(unit.state_numpy(), {**unit.meta, "family": "unit",
                                       "config": unit.config.to_dict()}, live=True)
    qtbot.waitUntil(lambda: v.settled() and v.codes is not None)
    assert v.current_key() == "trained"
    from playground.panels.translation.translate_examples import held_digits
    z_a = unit.encode(held_digits().grey[:N], "A")
    assert np.allclose(v.codes.paired, pair_distances(
        z_a, unit.encode(held_digits().textured[:N], "B"))[0], rtol=1e-5)
    target = tmp_path / "latent.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    v.activateWindow()
    v.colour_box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is v.colour_box, timeout=2000)
    qtbot.keyClick(v.colour_box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert target.exists() and target.stat().st_size > 1000


def test_nothing_is_encoded_until_the_view_is_shown(qtbot, monkeypatch, shipped):
    from playground.panels.translation import translate_source
    from playground.panels.translation.latent_view import LatentView
    monkeypatch.setattr(translate_source.TranslatorSource, "checkpoints_root", shipped)
    v = LatentView(n_digits=N)
    qtbot.addWidget(v)
    assert v.worker.last_id == 0 and v.codes is None
    v.show()
    qtbot.waitUntil(lambda: v.settled() and v.codes is not None)
    assert v.worker.last_id == 1
    assert v.shutdown()
