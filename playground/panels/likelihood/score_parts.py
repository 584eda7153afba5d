"""The Score tab's parts: a canvas that reports the pixel under the mouse, the surprise
colours and their colour bar, and the VAE box that bounds the same image's likelihood under
a VAE, off the GUI thread."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from models.likelihood.api import bits_per_dim

from ...worker import JobRunner
from .pixel_canvas import INK, PixelCanvas

ROOT = Path(__file__).resolve().parents[3]
VAE_DIR = ROOT / "checkpoints" / "mnist-vae-2d"


def _inferno() -> np.ndarray:
    import pyqtgraph as pg
    return pg.colormap.get("inferno").getLookupTable(0.0, 1.0, 256)       # 256×3 uint8


LUT = _inferno()


def heat_rgba(values: np.ndarray, top: float) -> np.ndarray:
    """S×S surprises (nats) → S×S×4 opaque colours, 0 dark and `top` (or more) bright."""
    t = np.clip(np.nan_to_num(values / max(top, 1e-9)), 0, 1)
    rgb = LUT[(t * 255 + 0.5).astype(int)]
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], -1)


class HoverCanvas(PixelCanvas):
    """A PixelCanvas that says which pixel the mouse is over (None when it leaves)."""
    hovered = Signal(object)

    def __init__(self, size: int = 28, paintable: bool = False, parent: QWidget | None = None):
        super().__init__(size, paintable, INK, parent)
        self.setMouseTracking(True)       # moves without a button: PixelCanvas paints only in
        self._last: tuple[int, int] | None = None   # a stroke, so tracking changes nothing else
        self.placeholder = ""             # shown instead of the image when set

    def set_placeholder(self, text: str) -> None:
        """Say `text` instead of showing the image (a map with nothing to map)."""
        self.placeholder = text
        self.update()

    def paintEvent(self, event) -> None:
        if not self.placeholder:
            return super().paintEvent(event)
        p = QPainter(self)
        r = self.picture_rect()
        p.fillRect(self.rect(), self.palette().window())
        p.fillRect(r, QColor(225, 225, 225))
        p.setPen(QColor(90, 90, 90))
        p.drawText(r.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter
                   | Qt.TextFlag.TextWordWrap, self.placeholder)
        p.end()

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        pixel = self.pixel_at(event.position().toPoint())
        if pixel != self._last:
            self._last = pixel
            self.hovered.emit(pixel)

    def leaveEvent(self, event) -> None:
        self._last = None
        self.hovered.emit(None)
        super().leaveEvent(event)


class ColourBar(QWidget):
    """The heat map's key: the colours from 0 (bottom) to `top` nats, with three labels."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.top = 5.0
        self.clipped = False
        strip = np.ascontiguousarray(LUT[::-1][:, None, :].repeat(4, 1))     # 256×4×3, top = hot
        self._strip = QImage(strip.data, 4, 256, 12, QImage.Format.Format_RGB888).copy()
        self.setMinimumWidth(70)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setToolTip("−log p(x_i | x_<i) in nats: dark = expected, bright = surprising")

    def set_top(self, top: float, clipped: bool) -> None:
        self.top, self.clipped = top, clipped
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(78, 200)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        h = fm.height()
        bar = QRect(4, h // 2, 16, max(10, self.height() - h - h // 2 - 4))
        p.drawImage(bar, self._strip)
        p.setPen(QColor(120, 120, 120))
        p.drawRect(bar.adjusted(0, 0, -1, -1))
        p.setPen(self.palette().windowText().color())
        for frac in (1.0, 0.5, 0.0):
            y = bar.bottom() - frac * bar.height()
            value = frac * self.top
            text = f"{'≥ ' if frac == 1.0 and self.clipped else ''}{value:.3g}"
            p.drawLine(bar.right(), int(y), bar.right() + 3, int(y))
            p.drawText(bar.right() + 6, int(y + fm.ascent() / 2 - 1), text)
        p.drawText(QRect(0, self.height() - h, self.width(), h), Qt.AlignmentFlag.AlignLeft,
                   "nats")
        p.end()


# ---------------------------------------------------------------------- the VAE
def _bounds_job(model, image: np.ndarray, k: int, token: int):
    """A JobRunner job: the bounds in chunks (stoppable between them), then (token, bounds)."""
    from models.likelihood.vae_bounds import bounds_steps
    result = yield from bounds_steps(model, image, k)
    return token, result


class VAEBox(QGroupBox):
    """ELBO and L_k of the shipped VAE for the image shown, computed by a job after each
    change (k = 1,000 takes a few tenths of a second); a newer image stops an older job."""
    message = Signal(str)
    computed = Signal()         # a result is shown (tests wait for it)

    def __init__(self, k: int = 100, parent: QWidget | None = None):
        super().__init__("VAE beside it: lower bounds, not exact", parent)
        self.setToolTip("The shipped VAE (checkpoints/mnist-vae-2d, a 2-D latent, Bernoulli "
                        "decoder) scoring the same binary image")
        self.model = None
        self.error: str | None = None
        self._tried = False
        self._image: np.ndarray | None = None
        self._token = 0             # bumps with every request; a result must match it
        self._running_token: int | None = None
        self.result = None          # the VAEBounds shown, or None
        self.done: dict[int, object] = {}    # k → VAEBounds for this image, as k changes
        self.runner = JobRunner(self)
        self.runner.events.connect(self._progress)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)

        self.k_box = QComboBox()
        for value in (1, 10, 100, 1000):
            self.k_box.addItem(f"k = {value:,}", value)
        self.k_box.setCurrentIndex(max(0, self.k_box.findData(k)))
        self.k_box.setToolTip("Importance samples per estimate of L_k: k = 1 is the ELBO's "
                              "own estimator, larger k a tighter bound (L_k → log p as k → ∞)")
        self.elbo_label = QLabel("–")
        self.elbo_label.setToolTip("E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) with the KL in closed "
                                   "form, averaged over 1,000 draws of z ~ q(z|x)")
        self.iwae_label = QLabel("–")
        self.iwae_label.setToolTip("L_k = E[log (1/k) Σ w_i], w_i = p(x|z_i) p(z_i) / q(z_i|x): "
                                   "the mean of several k-sample estimates (about 2,000 draws in "
                                   "all), ± its standard error")
        for label in (self.elbo_label, self.iwae_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setStyleSheet("color: #666;")
        self.status.setWordWrap(True)
        self.table = QLabel("")
        self.table.setToolTip("Every k computed for this image so far: the bound rises with "
                              "k towards log p under the VAE")
        note = QLabel("These are <b>lower bounds</b> on log p(x) under the VAE, a different "
                      "model from the exact one: ELBO ≤ L<sub>k</sub> ≤ log p<sub>VAE</sub>(x), "
                      "and L<sub>k</sub> → log p<sub>VAE</sub>(x) as k → ∞. Both models score "
                      "<b>the same binary image</b>.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")
        form = QFormLayout()
        form.addRow("Samples", self.k_box)
        form.addRow("ELBO", self.elbo_label)
        self.iwae_name = QLabel("L_k")
        form.addRow(self.iwae_name, self.iwae_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addStretch(1)
        self.k_box.currentIndexChanged.connect(lambda _i: self._request())
        self._show_k()

    @property
    def k(self) -> int:
        return int(self.k_box.currentData())

    def _show_k(self) -> None:
        self.iwae_name.setText(f"L<sub>{self.k:,}</sub> (IWAE)")

    # ------------------------------------------------------------------ the checkpoint
    def load(self) -> bool:
        """Load the VAE once (a missing or broken checkpoint is said in the box)."""
        if self._tried:
            return self.model is not None
        self._tried = True
        from models import CheckpointError, load_checkpoint
        try:
            model = load_checkpoint(VAE_DIR)
            if getattr(model, "family", None) != "autoencoder" or not model.variational:
                raise ValueError("it is not a VAE (no q(z|x) to bound the likelihood with)")
        except (CheckpointError, OSError, ValueError, KeyError, RuntimeError) as exc:
            self.error = f"No VAE: {VAE_DIR.name} cannot be used ({exc}). The exact scores " \
                         "still work."
            self.status.setText(self.error)
            self.k_box.setEnabled(False)
            return False
        self.model = model
        return True

    # ------------------------------------------------------------------ requests
    def set_image(self, image: np.ndarray) -> None:
        """Bound this binary image's likelihood (the latest one wins)."""
        image = np.asarray(image, np.float32)
        if self._image is not None and np.array_equal(image, self._image):
            return                          # the same image: what is shown stands
        self._image = image.copy()
        self.done.clear()
        self._show_table()
        self._request()

    def _request(self) -> None:
        self._show_k()
        self._token += 1
        self.result = None
        if self._image is None or not self.load():
            return
        if self._image.shape != (28, 28):
            s = self._image.shape[0]
            self.status.setText(f"The VAE scores 28×28 images; this model's are {s}×{s}: "
                                "no bounds for this size.")
            self.elbo_label.setText("–")
            self.iwae_label.setText("–")
            return
        if self.k in self.done:
            self._show(self.done[self.k])
            return
        self.status.setText("computing…")
        if self.runner.busy:
            self.runner.stop()              # _finished starts the newest request
        else:
            self._start()

    def _start(self) -> None:
        token, model, image, k = self._token, self.model, self._image, self.k
        self._running_token = token
        self.runner.start(lambda: _bounds_job(model, image, k, token))

    def _progress(self, events: list) -> None:
        if self._running_token == self._token and events:
            self.status.setText(f"computing… {100 * float(events[-1]):.0f}%")

    def _finished(self, value) -> None:
        if value is not None and value[0] == self._token:
            self._show(value[1])
            return
        if self._image is not None and self.model is not None and self.result is None \
                and self._image.shape == (28, 28):
            self._start()                   # a newer request waited for this job

    def _failed(self, msg: str) -> None:
        if self._running_token != self._token and self._image is not None:
            self._start()                   # that image is gone; try the newest
            return
        self.status.setText(f"The VAE could not score this image: {msg}")
        self.message.emit(f"VAE: {msg}")

    def _show(self, bounds) -> None:
        self.result = bounds
        self.done[bounds.k] = bounds
        self._show_table()
        n = 28 * 28
        e, L, se = float(bounds.elbo[0]), float(bounds.iwae[0]), float(bounds.iwae_se[0])
        self.elbo_label.setText(f"<b>{e:.2f}</b> nats &nbsp; ({float(bits_per_dim(-e, n)):.4f} "
                                "bits/dim)")
        self.iwae_label.setText(f"<b>{L:.2f}</b> ± {se:.2f} nats &nbsp; "
                                f"({float(bits_per_dim(-L, n)):.4f} bits/dim)")
        self.status.setText(f"L<sub>{bounds.k:,}</sub>: mean of {bounds.repeats:,} estimates "
                            f"of {bounds.k:,} samples each; L<sub>k</sub> − ELBO = {L - e:.2f} "
                            "nats")
        self.computed.emit()

    def _show_table(self) -> None:
        if len(self.done) < 2:             # one k: the lines above say it all
            self.table.setText("")
            return
        first = next(iter(self.done.values()))
        rows = [f"<tr><td>ELBO</td><td align='right'>{float(first.elbo[0]):.2f}</td></tr>"]
        rows += [f"<tr><td>L<sub>{k:,}</sub></td><td align='right'>"
                 f"{float(self.done[k].iwae[0]):.2f}</td></tr>" for k in sorted(self.done)]
        self.table.setText("<table cellspacing='0' cellpadding='1'><tr><td colspan='2'>"
                           "<i>This image so far (nats):</i></td></tr>" + "".join(rows)
                           + "</table>")

    def shutdown(self) -> bool:
        return self.runner.shutdown()
