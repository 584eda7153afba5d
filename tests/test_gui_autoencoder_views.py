"""The Autoencoders panel's issue-15 views: the prior cloud, the Codes, Collapse and Levels tabs.

The maths is checked against closed forms and brute force; the panel is driven with tiny
models (random weights) through real clicks, offscreen.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from gui_helpers import view_to_viewport, viewport_to_view
from models.autoencoder import stats
from models.autoencoder.api import AutoencoderModel
from models.autoencoder.nets import AEConfig
from models.events import CodeStats
from models.latent import PlaneProjection
from playground.panels.autoencoder import codes_tool as ct

pytestmark = pytest.mark.gui
LEFT = Qt.MouseButton.LeftButton


def tiny(kind: str = "vae", latent_dim: int = 2, seed: int = 0, **options) -> AutoencoderModel:
    torch.manual_seed(seed)
    return AutoencoderModel(AEConfig(kind=kind, latent_dim=latent_dim, hidden=16, **options),
                            {"family": "autoencoder"})


# --------------------------------------------------------------------------- maths

def test_ellipse_radii_are_sigma_in_two_dimensions():
    centres = np.array([[0.5, -1.0], [2.0, 3.0]])
    sigma = np.array([[0.3, 0.1], [1.5, 0.7]])
    covs = ct.projected_covariances(PlaneProjection.fit(np.zeros((3, 2))), sigma)
    x, y = ct.ellipse_curves(centres, covs, points=400)
    for i, (c, s) in enumerate(zip(centres, sigma)):
        xi, yi = x[i * 401:(i + 1) * 401 - 1], y[i * 401:(i + 1) * 401 - 1]
        assert np.isnan(x[(i + 1) * 401 - 1])          # a break after each ellipse
        assert np.max(np.abs(xi - c[0])) == pytest.approx(s[0], rel=1e-4)
        assert np.max(np.abs(yi - c[1])) == pytest.approx(s[1], rel=1e-4)


def test_projected_ellipse_is_the_marginal_of_the_posterior():
    """d = 5 through PCA: the drawn 1-σ ellipse of each code is the contour of
    N(B(μ − m), B diag σ² Bᵀ), which a Monte Carlo projection of N(μ, diag σ²) reproduces."""
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 5)) * [3, 2, 1, 0.5, 0.2]
    proj = PlaneProjection.fit(codes)
    sigma = rng.uniform(0.2, 1.0, size=(1, 5))
    cov = ct.projected_covariances(proj, sigma)[0]
    draws = proj.to_plane(codes[0] + sigma * rng.normal(size=(200_000, 5)))
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.01)
    assert abs(cov[0, 1]) > 1e-3                       # tilted: not a pair of radii
    x, y = ct.ellipse_curves(proj.to_plane(codes[:1]), cov[None])
    d = np.stack([x[:-1], y[:-1]], 1) - proj.to_plane(codes[:1])
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), 1.0, atol=1e-9)


def test_mixture_density_integrates_to_one_and_matches_a_brute_force_sum():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(30, 2))
    a = rng.uniform(0.05, 0.4, size=(30, 2, 2))
    covs = a @ a.transpose(0, 2, 1) + 0.01 * np.eye(2)     # tilted, positive definite
    xs, ys = np.linspace(-5, 5, 81), np.linspace(-6, 6, 97)
    q = ct.mixture_density(centres, covs, xs, ys)
    assert q.shape == (97, 81)
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert q.sum() * area == pytest.approx(1.0, abs=2e-3)
    j, i = 17, 50                                       # one grid point, by the formula
    g = np.array([xs[j], ys[i]])
    brute = np.mean([np.exp(-0.5 * (g - m) @ np.linalg.inv(c) @ (g - m))
                     / (2 * np.pi * np.sqrt(np.linalg.det(c))) for m, c in zip(centres, covs)])
    assert q[i, j] == pytest.approx(brute, rel=1e-4)


def test_diagonal_fast_path_equals_the_general_sum():
    rng = np.random.default_rng(2)
    centres = rng.normal(size=(40, 2))
    covs = np.zeros((40, 2, 2))
    covs[:, 0, 0], covs[:, 1, 1] = rng.uniform(0.05, 1, 40), rng.uniform(0.05, 1, 40)
    xs = ys = np.linspace(-4, 4, 50)
    tilted = covs.copy()
    tilted[:, 0, 1] = tilted[:, 1, 0] = 1e-12           # forces the general path
    np.testing.assert_allclose(ct.mixture_density(centres, covs, xs, ys),
                               ct.mixture_density(centres, tilted, xs, ys), rtol=1e-5, atol=1e-9)


def test_mass_levels_of_a_standard_normal_are_its_one_and_two_sigma_circles():
    xs = ys = np.linspace(-5, 5, 301)
    p = ct.mixture_density(np.zeros((1, 2)), np.eye(2), xs, ys)
    area = (xs[1] - xs[0]) ** 2
    one, two = ct.mass_levels(p, area)
    assert one == pytest.approx(np.exp(-0.5) / (2 * np.pi), rel=0.01)
    assert two == pytest.approx(np.exp(-2.0) / (2 * np.pi), rel=0.01)
    x, y = ct.contour_lines(p, [one], xs, ys)
    r = np.hypot(x, y)[np.isfinite(x)]
    np.testing.assert_allclose(r, 1.0, atol=0.01)


# --------------------------------------------------------------------------- panel

@pytest.fixture
def panel(qtbot, messages):
    from playground.panels.autoencoder.panel import AutoencoderPanel
    p = AutoencoderPanel(device="cpu")
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.shutdown()


def show(panel, name: str, model: AutoencoderModel) -> None:
    panel.add_model(name, name, model)
    panel.select_model(name)
    assert panel.space.model is model


def open_tab(qtbot, panel, tool) -> None:
    """Click the tool's tab (the bar scrolls when the panel is narrow: then pick it)."""
    bar, i = panel.tools.tabBar(), panel.tools.indexOf(tool)
    if bar.rect().contains(bar.tabRect(i)):
        qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(i).center())
    else:
        panel.tools.setCurrentIndex(i)
    assert panel.tools.currentWidget() is tool


def test_prior_cloud_follows_the_model_and_its_toggle_persists(qtbot, panel):
    from playground.panels.autoencoder import panel as panel_module
    wae = tiny("wae", prior="mixture10")
    show(panel, "wae", wae)
    cloud = panel.plot.prior_cloud()
    assert cloud is not None and cloud.shape == (panel_module.PRIOR_CLOUD_DRAWS, 2)
    np.testing.assert_allclose(cloud, wae.prior_sample(panel_module.PRIOR_CLOUD_DRAWS, seed=0))
    show(panel, "ae", tiny("ae"))
    assert panel.plot.prior_cloud() is None            # a plain AE has no prior
    show(panel, "wae again", wae)
    qtbot.mouseClick(panel.cloud_box, LEFT)
    assert not panel.cloud_box.isChecked()
    assert panel.plot.prior_cloud() is None
    assert panel_module.PRIOR_CLOUD.get() is False     # saved for the next start


def test_prior_cloud_of_a_many_dimensional_vae_goes_through_the_plane(panel):
    vae = tiny("vae", latent_dim=6)
    show(panel, "vae6", vae)
    want = panel.space.projection.to_plane(vae.prior_sample(1000, seed=0))
    np.testing.assert_allclose(panel.plot.prior_cloud(), want, rtol=1e-5, atol=1e-6)


def test_codes_tab_draws_ellipses_for_a_gaussian_encoder_and_the_aggregate_otherwise(qtbot, panel):
    vae = tiny("vae")
    show(panel, "vae", vae)
    open_tab(qtbot, panel, panel.codes_tool)
    qtbot.mouseClick(panel.codes_tool.per_example, LEFT)
    shown = panel.plot.codes_overlay_shown()
    assert shown["ellipses"] == min(150, len(panel.space.latents)) * ct.ELLIPSE_POINTS
    assert shown["p_contours"] > 0 and not shown["density"]
    # the ellipses are the shown model's σ
    _, sigma = vae.encode_posterior(panel.space.images)
    np.testing.assert_allclose(panel.space.scales, sigma, rtol=1e-5)
    qtbot.mouseClick(panel.codes_tool.aggregate, LEFT)
    shown = panel.plot.codes_overlay_shown()
    assert shown["density"] and shown["q_contours"] > 0 and shown["ellipses"] == 0
    xs, ys = panel.codes_tool.overlay["grid"]
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert panel.codes_tool.overlay["density"].sum() * area == pytest.approx(1.0, abs=0.05)

    show(panel, "wae", tiny("wae"))                    # deterministic: no balls to draw
    assert not panel.codes_tool.per_example.isEnabled()
    assert panel.codes_tool.aggregate.isChecked()
    # redrawn once the burst of changes settles (a timer, so training is not slowed)
    qtbot.waitUntil(lambda: "deterministic" in panel.codes_tool.note.text())
    shown = panel.plot.codes_overlay_shown()
    assert shown["density"] and shown["ellipses"] == 0

    open_tab(qtbot, panel, panel.sample_tool)          # the overlay belongs to the tab
    assert panel.plot.codes_overlay_shown() == {"ellipses": 0, "q_contours": 0,
                                                "p_contours": 0, "density": False}


def test_collapse_bars_are_the_models_kl_and_unit_variances(qtbot, panel):
    vae = tiny("vae", latent_dim=5)
    show(panel, "vae5", vae)
    open_tab(qtbot, panel, panel.collapse_tool)
    mu, sigma = vae.encode_posterior(panel.space.images)
    bars = panel.collapse_tool.bar_heights()
    np.testing.assert_allclose(bars["kl"], stats.kl_per_dim(mu, sigma), rtol=1e-4)
    v = np.maximum(stats.unit_variance(mu), 1e-6)
    np.testing.assert_allclose(bars["variance"], v, rtol=1e-4)
    assert f"Active units: {stats.active_units(mu)} of 5" in panel.collapse_tool.summary.text()

    show(panel, "wae", tiny("wae"))
    assert panel.collapse_tool.bar_heights()["kl"] is None     # no KL term: no KL bars


def test_live_code_stats_redraw_the_bars_of_the_model_training(qtbot, panel):
    vae = tiny("vae", latent_dim=3)
    show(panel, "run", vae)
    open_tab(qtbot, panel, panel.collapse_tool)
    panel._training_name = "run"                       # as start_training sets it
    live = CodeStats(40, np.array([0.5, 0.001, 2.0], np.float32), 2,
                     np.array([1.0, 0.0, 3.0], np.float32))
    panel._on_events([live])
    bars = panel.collapse_tool.bar_heights()
    np.testing.assert_allclose(bars["kl"], [1.0, 0.0, 3.0])
    np.testing.assert_allclose(bars["variance"], [0.5, 0.001, 2.0], rtol=1e-5)
    assert "step 40" in panel.collapse_tool.summary.text()
    panel._training_name = "another run"               # not the one shown: ignored
    panel._on_events([CodeStats(50, np.ones(3, np.float32), 3, np.ones(3, np.float32))])
    assert "step 40" in panel.collapse_tool.summary.text()
    panel._training_name = None


def test_random_z_changes_the_output_of_a_decoder_that_reads_z(qtbot, panel):
    show(panel, "vae", tiny("vae"))
    open_tab(qtbot, panel, panel.collapse_tool)
    tool = panel.collapse_tool
    assert tool.difference > 1e-4
    before = tool.rows["random"].copy()
    qtbot.mouseClick(tool.new_z, LEFT)
    assert not np.allclose(before, tool.rows["random"])
    assert tool.diff_label.text().startswith("difference mean |Δp| = ")


def test_a_pixel_decoder_that_ignores_z_gives_identical_rows(qtbot, panel):
    model = tiny("vae", latent_dim=2, decoder="pixelcnn", pixel_channels=8, pixel_layers=1)
    for p in list(model.module.decoder.cond.parameters())[-2:]:    # z no longer reaches it
        p.data.zero_()
    show(panel, "pixel", model)
    # its tools that decode dozens of codes are off, with the reason on the tab
    for tool in (panel.grid_tool, panel.attr_tool, panel.morph_tool):
        i = panel.tools.indexOf(tool)
        assert not panel.tools.isTabEnabled(i)
        assert "PixelCNN" in panel.tools.tabToolTip(i)
    assert panel.sample_tool.count.maximum() == 16
    open_tab(qtbot, panel, panel.collapse_tool)
    tool = panel.collapse_tool
    assert tool.difference == 0.0
    np.testing.assert_array_equal(tool.rows["mu"], tool.rows["random"])
    np.testing.assert_allclose(tool.rows["mu"], model.recon_probabilities(panel.space.images[:8]))


def test_a_pixel_decoder_draws_on_a_worker_and_the_newest_click_wins(qtbot, panel):
    """Click-to-decode and Draw from prior hand a PixelCNN decoder's codes to a worker: the
    GUI thread returns at once, the picture grows row by row, a newer point replaces an older
    one, and the finished images are exactly decode(z, seed 0)."""
    model = tiny("vae", latent_dim=2, decoder="pixelcnn", pixel_channels=4, pixel_layers=0)
    show(panel, "pixel", model)
    captions = []
    panel.image.set_caption = lambda text, real=panel.image.set_caption: (captions.append(text),
                                                                          real(text))
    panel.decode_at(3.0, 3.0)              # replaced before the mouse rests: never drawn
    panel.decode_at(0.5, -0.25)
    assert captions[-1] == "drawing pixel by pixel…"
    qtbot.waitUntil(lambda: captions[-1].startswith("one sample at"), timeout=60_000)
    assert captions[-1] == "one sample at z = (0.50, -0.25)"
    assert any(c.startswith("drawing pixel by pixel… row ") for c in captions)
    want = model.decode(panel.space.to_latent([0.5, -0.25]))[0]
    np.testing.assert_array_equal(panel.image._array, want)

    tool = panel.sample_tool
    shown = []
    tool.view.set_tiles = lambda images, real=tool.view.set_tiles: (shown.append(images),
                                                                    real(images))
    tool.count.setValue(3)
    open_tab(qtbot, panel, tool)
    qtbot.mouseClick(tool.draw_btn, LEFT)
    assert tool.note.text().startswith("drawing 3 images pixel by pixel")
    qtbot.waitUntil(lambda: tool.note.text().startswith("3 draws from N(0, I)"), timeout=60_000)
    np.testing.assert_array_equal(shown[-1], model.decode(tool.z))
    assert not panel.slow_decoder.busy


def test_levels_tab_only_for_the_hierarchical_vae(qtbot, panel):
    levels = panel.tools.indexOf(panel.levels_tool)
    show(panel, "vae", tiny("vae"))
    assert not panel.tools.isTabEnabled(levels)
    assert "only for a hierarchical VAE" in panel.tools.tabToolTip(levels)
    hvae = tiny("hvae")
    show(panel, "hvae", hvae)
    assert panel.tools.isTabEnabled(levels)
    open_tab(qtbot, panel, panel.levels_tool)
    tool = panel.levels_tool
    # a click on the plot picks the held-out image nearest to it
    target = panel.space.plane[37]
    pos = view_to_viewport(panel.plot, float(target[0]), float(target[1]))
    qtbot.mouseClick(panel.plot.plot.viewport(), LEFT, pos=pos)
    clicked = np.array(viewport_to_view(panel.plot, pos))
    i = int(np.argmin(np.sum((panel.space.plane - clicked) ** 2, 1)))
    assert tool.index.value() == i
    want = hvae.resample_levels(panel.space.images[i:i + 1], 6, seed=tool.seed)
    np.testing.assert_allclose(tool.result["top"], want["top"][0], atol=1e-6)
    np.testing.assert_allclose(tool.result["bottom"], want["bottom"][0], atol=1e-6)
    before = tool.result["top"].copy()
    qtbot.mouseClick(tool.resample_btn, LEFT)
    assert tool.seed == 1 and not np.allclose(before, tool.result["top"])
    assert tool.mosaic().shape == (3 * 28 + 4, 6 * 28 + 10)


def test_a_training_run_feeds_the_views_live(qtbot, panel, small_folder, monkeypatch):
    """While a VAE trains: its snapshots' σ reach the plot's space, the Collapse bars follow
    the job's CodeStats, and the prior cloud is there from the first codes on."""
    seen = []
    real = panel.collapse_tool.show_stats
    monkeypatch.setattr(panel.collapse_tool, "show_stats",
                        lambda stats, live=True: (seen.append((stats, live)), real(stats, live)))
    scales = []
    real_apply = panel._apply_codes

    def apply(model, codes):
        real_apply(model, codes)
        scales.append(None if panel.space.scales is None else panel.space.scales.shape)
    monkeypatch.setattr(panel, "_apply_codes", apply)
    panel.training.set_values({"kind": "vae", "arch": "conv", "latent_dim": 2,
                               "dataset": str(small_folder), "epochs": 1, "batch_size": 64,
                               "lr": 1e-3, "beta": 1.0})
    open_tab(qtbot, panel, panel.codes_tool)
    with qtbot.waitSignal(panel.runner.finished, timeout=60000):
        qtbot.mouseClick(panel.training.train_btn, LEFT)
    live = [s for s, is_live in seen if is_live]
    assert live and all(s.kl_per_dim is not None and len(s.kl_per_dim) == 2 for s in live)
    assert scales and all(sh is not None and sh[1] == 2 for sh in scales)
    assert panel.plot.prior_cloud() is not None
    assert panel.codes_tool.overlay is not None


def test_codes_with_nan_rows_still_draw_the_others(qtbot, panel):
    show(panel, "vae", tiny("vae"))
    open_tab(qtbot, panel, panel.codes_tool)
    space = panel.space
    space.latents[:5] = np.nan                 # as a broken checkpoint might encode them
    space.scales[5:10] = np.inf
    panel.codes_tool.set_space(space)
    for mode in (panel.codes_tool.per_example, panel.codes_tool.aggregate):
        qtbot.mouseClick(mode, LEFT)
        overlay = panel.codes_tool.overlay
        assert "p_contours" in overlay
        if "density" in overlay:
            assert np.isfinite(overlay["density"]).all()
            xs, ys = overlay["grid"]
            assert np.isfinite(xs).all() and np.isfinite(ys).all()
        else:
            x, _ = overlay["ellipses"]
            assert np.isfinite(x).sum() == 150 * ct.ELLIPSE_POINTS      # picked among the good
