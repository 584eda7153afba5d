"""The training views at the default window size, and the wheel over charts in a sidebar.

At 1400×860 every training view shows its Stop button, its loss chart and its newest epoch
thumbnail without scrolling. Over a chart inside a scrolling column the wheel scrolls the
column (the chart's zoom stays) unless the chart was clicked first; and a new run resets
whatever zoom the last one was left at.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_shipped(tmp_path, monkeypatch):
    monkeypatch.setattr("playground.panels.gan.digits_source.CHECKPOINTS", tmp_path / "none")
    monkeypatch.setattr("playground.panels.diffusion.model_source.CHECKPOINTS", tmp_path / "none")


@pytest.fixture
def window(qtbot, messages):
    from playground.main_window import MainWindow
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _settle(qtbot):
    qtbot.wait(50)
    QApplication.processEvents()


def _fully_visible(widget) -> bool:
    """Shown, and no part of it cut off by a parent (a scroll area's viewport, a splitter,
    the window): its rectangle survives clipping by every ancestor's rectangle."""
    if not widget.isVisible():
        return False
    rect, w = widget.rect(), widget
    while w.parentWidget() is not None:
        rect = rect.translated(w.pos())             # into the parent's coordinates
        w = w.parentWidget()
        clipped = rect.intersected(w.rect())
        if clipped != rect:
            return False
    return True


def _assert_visible(named: dict) -> None:
    hidden = [name for name, w in named.items() if not _fully_visible(w)]
    assert not hidden, f"cut off or hidden at 1400×860: {hidden}"


def test_the_autoencoder_training_column_fits(window, qtbot):
    window.tabs.setCurrentWidget(window.autoencoder)
    _settle(qtbot)
    t = window.autoencoder.training
    _assert_visible({"Train": t.train_btn, "Pause": t.pause_btn, "Stop": t.stop_btn,
                     "progress": t.progress, "loss chart": t.curves,
                     "reconstructions": t.recon})
    assert t.curves.top.height() > 80 and t.curves.bottom.height() > 80


def test_the_diffusion_train_tab_fits(window, qtbot):
    reverse = window.diffusion.reverse
    window.tabs.setCurrentWidget(window.diffusion)
    window.diffusion.views.setCurrentWidget(reverse)
    reverse.tabs.setCurrentWidget(reverse.training)
    _settle(qtbot)
    t = reverse.training
    _assert_visible({"Train": t.train_btn, "Stop": t.stop_btn, "progress": t.progress,
                     "loss chart": t.curve, "samples": t.samples})


def test_the_gan_digits_train_tab_fits_with_many_epochs(window, qtbot):
    digits = window.gan.digits
    window.tabs.setCurrentWidget(window.gan)
    window.gan.views.setCurrentWidget(digits)
    digits.tabs.setCurrentWidget(digits.train_tab)
    rng = np.random.default_rng(0)
    for epoch in range(1, 9):               # more thumbnails than the strip is wide
        digits.live.show_samples(100 * epoch, rng.random((16, 28, 28), np.float32), None, epoch)
        _settle(qtbot)
    c = digits.train_controls
    _assert_visible({"Start": c.train_btn, "Pause": c.pause_btn, "Stop": c.stop_btn,
                     "progress": c.progress, "status": c.status,
                     "loss chart": digits.live.losses.widget,
                     "last thumbnail": digits.live.strip.thumbs[-1]})


def test_the_pix2pix_train_tab_fits(window, qtbot):
    train = window.pix2pix.train
    window.tabs.setCurrentWidget(window.pix2pix)
    window.pix2pix.views.setCurrentWidget(train)
    _settle(qtbot)
    f = train.form
    _assert_visible({"Start": f.start_btn, "Stop": f.stop_btn, "progress": f.progress,
                     **{f"chart {i}": p.widget for i, p in enumerate(train.charts.plots)}})


# --------------------------------------------------------------------------- the wheel

def _wheel(widget, down: bool = True) -> None:
    """A real wheel notch over the middle of `widget`, as the window system delivers it."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                     QPoint(0, -120 if down else 120), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def _ranges(plot) -> np.ndarray:
    return np.array(plot.getViewBox().viewRange(), float)


def test_the_wheel_over_a_sidebar_chart_scrolls_the_sidebar(window, qtbot):
    window.tabs.setCurrentWidget(window.autoencoder)
    window.resize(1400, 600)            # short enough that the training column scrolls
    _settle(qtbot)
    t = window.autoencoder.training
    area = t.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea)
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    chart = t.curves.top
    before, value = _ranges(t.curves.top), bar.value()
    _wheel(chart.viewport())
    assert bar.value() > value                                  # the column scrolled
    np.testing.assert_array_equal(_ranges(t.curves.top), before)   # the chart did not zoom

    # clicked first, the chart takes the wheel and zooms; the column stays
    window.activateWindow()
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(chart.hasFocus, timeout=2000)
    value = bar.value()
    _wheel(chart.viewport(), down=False)
    assert bar.value() == value
    zoomed = _ranges(t.curves.top)
    assert not np.allclose(zoomed, before)

    # a new run frames its own curves again, not the last run's zoom
    t.begin("a new run")
    t.curves.add_step(1, {"loss": 300.0, "recon": 280.0, "kl": 5.0})
    t.curves.add_step(50, {"loss": 150.0, "recon": 140.0, "kl": 7.0})
    t.curves.redraw()
    _settle(qtbot)
    assert all(t.curves.top.getViewBox().autoRangeEnabled())
    (x0, x1), (y0, y1) = _ranges(t.curves.top)
    assert x0 <= 1 and x1 >= 50 and y0 <= 140 and y1 >= 300


def test_a_new_run_resets_the_zoom_of_the_shared_charts(qtbot):
    from playground.curve_chart import CurveChart
    c = CurveChart("loss", "loss", {"D": "#1f77b4"})
    qtbot.addWidget(c.widget)
    c.widget.setXRange(100, 200)            # as a wheel or drag leaves it
    assert not c.widget.getViewBox().autoRangeEnabled()[0]
    c.clear_data()
    assert all(c.widget.getViewBox().autoRangeEnabled())
