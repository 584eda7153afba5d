"""What the unpaired trainer shows while it learns: the round trips of four held-out pictures
of each domain (a, G(a), F(G(a)) and b, F(b), G(F(b))) and the four loss charts.

The charts are made once for both models; a run shows the series its model reports (CycleGAN:
gan, cycle, identity, d_a, d_b; UNIT: gan, recon + cycle, kl + cycle_kl, d_a, d_b). Dashed
lines mark the least-squares GAN's equilibrium, where D cannot tell real from fake and
answers ½ everywhere: each discriminator's loss is then ½(½ − 1)² + ½(½)² = 0.25, and the
generators' adversarial term, the sum of (½ − 1)² for G and for F, is 0.5.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ... import keys
from ...curve_chart import CurveChart, Series
from ..pix2pix.train_live import RGBView

EXAMPLES = 4
SMOOTH = 0.9
D_EQUILIBRIUM = 0.25        # ½(D(b) − 1)² + ½ D(G(a))² at D ≡ ½
G_EQUILIBRIUM = 0.5         # (D_B(G(a)) − 1)² + (D_A(F(b)) − 1)² at D ≡ ½
ROWS = {"cyclegan": ("a", "G(a)", "F(G(a))", "b", "F(b)", "G(F(b))"),
        "unit": ("a", "a → B", "a → B → A", "b", "b → A", "b → A → B")}
ROW_TIPS = ("Held-out pictures of domain A",
            "Their translation into B: what D_B judges",
            "Translated back to A: the cycle loss compares this with a",
            "Held-out pictures of domain B",
            "Their translation into A: what D_A judges",
            "Translated back to B: the cycle loss compares this with b")
COLOURS = {"gan": "#d95f02", "cycle": "#1b9e77", "recon": "#7570b3", "identity": "#e7298a",
           "kl": "#66a61e", "cycle_kl": "#a6761d", "d_a": "#1f78b4", "d_b": "#b2182b"}
SERIES = {"cyclegan": ("gan", "cycle", "identity", "d_a", "d_b"),
          "unit": ("gan", "recon", "cycle", "kl", "cycle_kl", "d_a", "d_b")}


def to_uint8(images: np.ndarray) -> np.ndarray:
    """N×H×W×3 float in [0, 1] → uint8."""
    return (np.clip(np.asarray(images, np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)


def preview_mosaic(rows: list[np.ndarray], pad: int = 2) -> np.ndarray:
    """Rows of N uint8 pictures, white gaps between (a wider one between the A and B halves)."""
    n, h, w, _ = rows[0].shape
    gap = [0, pad, pad, 3 * pad, pad, pad][:len(rows)]
    tops = np.cumsum([g + (h if i else 0) for i, g in enumerate(gap)])
    out = np.full((int(tops[-1]) + h, n * (w + pad) - pad, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        for c in range(n):
            out[tops[r]:tops[r] + h, c * (w + pad):c * (w + pad) + w] = row[c]
    return out


class PreviewGrid(QWidget):
    """Six labelled rows of four pictures: the A round trip above, the B round trip below."""

    exportRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(f"Press Start ({keys.TRAIN.native()}): four held-out pictures of "
                            "each domain and their round trips appear here as the model learns.")
        self.title.setWordWrap(True)
        self.export_btn = QPushButton("Export preview PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the six rows as one PNG, at the "
                         "images' own resolution")
        self.export_btn.setEnabled(False)
        self.export_btn.clicked.connect(self.exportRequested)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.export_btn)
        grid = QGridLayout()
        grid.setSpacing(3)
        self.labels: list[QLabel] = []
        self.views: list[list[RGBView]] = []
        for r, tip in enumerate(ROW_TIPS):
            label = QLabel(ROWS["cyclegan"][r])
            label.setToolTip(tip)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            g = r + (r >= 3)            # grid row 3 is a gap between the A and B halves
            grid.addWidget(label, g, 0)
            self.labels.append(label)
            row = []
            for c in range(EXAMPLES):
                v = RGBView(min_side=40)
                v.setToolTip(f"{tip}; example {c + 1}")
                grid.addWidget(v, g, c + 1)
                row.append(v)
            grid.setRowStretch(g, 1)
            self.views.append(row)
        grid.setRowMinimumHeight(3, 8)
        for c in range(EXAMPLES):
            grid.setColumnStretch(c + 1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addLayout(grid, 1)
        self.step: int | None = None
        self.arrays: list[np.ndarray] | None = None

    def set_model(self, kind: str) -> None:
        for label, text in zip(self.labels, ROWS[kind]):
            label.setText(text)

    def clear(self, text: str) -> None:
        self.step, self.arrays = None, None
        for row in self.views:
            for v in row:
                v.set_image(None)
        self.title.setText(text)
        self.export_btn.setEnabled(False)

    def show_preview(self, ev) -> None:
        """A TranslationPreview (floats in [0, 1])."""
        self.arrays = [to_uint8(x) for x in (ev.a, ev.fake_b, ev.cycle_a, ev.b, ev.fake_a,
                                             ev.cycle_b)]
        self.step = ev.step
        for row, images in zip(self.views, self.arrays):
            for c, v in enumerate(row):
                v.set_image(images[c] if c < len(images) else None)
        h, w = self.arrays[0].shape[1:3]
        err = [float(np.abs(x.astype(float) - y.astype(float)).mean() / 255)
               for x, y in ((self.arrays[0], self.arrays[2]), (self.arrays[3], self.arrays[5]))]
        state = f"<b>Step {ev.step:,}</b>" if ev.step else "<b>Step 0</b> · untrained"
        self.title.setText(f"{state} · {w}×{h} px · round-trip error |F(G(a)) − a| "
                           f"{err[0]:.3f}, |G(F(b)) − b| {err[1]:.3f} (mean, 0–1)")
        self.export_btn.setEnabled(True)

    def mosaic(self) -> np.ndarray | None:
        return None if self.arrays is None else preview_mosaic(self.arrays)

    def save_png(self, path: str | Path) -> Path:
        from PIL import Image
        image = self.mosaic()
        if image is None:
            raise ValueError("there is no preview yet")
        path = Path(path)
        Image.fromarray(image, mode="RGB").save(path)
        return path


def _chart(title: str, names: tuple[str, ...], tip: str, level: float | None = None,
           level_text: str = "") -> CurveChart:
    c = CurveChart(title, "loss", {n: COLOURS[n] for n in names}, smooth=SMOOTH,
                   min_size=(200, 140), legend_opts={"brush": pg.mkBrush(255, 255, 255, 200)})
    c.setToolTip(tip)
    # said on the chart when the run reports none of its series (the cycle loss off)
    c.note = pg.TextItem("", color="#777", anchor=(0.5, 0.5))
    c.note.setPos(0.5, 0.5)
    c.addItem(c.note, ignoreBounds=True)
    if level is not None:
        line = pg.InfiniteLine(level, angle=0, movable=False,
                               pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DashLine),
                               label=level_text, labelOpts={"position": 0.12, "color": "#555",
                                                            "anchors": [(0, 1), (0, 1)]})
        c.addItem(line, ignoreBounds=False)
        c.level = line
    return c


class LossCharts(QWidget):
    """The generators' adversarial term; the cycle (UNIT: reconstruction and cycle); the
    identity (UNIT: the two KL terms); the discriminators D_A and D_B."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.gan = _chart("Generators: adversarial", ("gan",),
                          "gan = E[(D_B(G(a)) − 1)²] + E[(D_A(F(b)) − 1)²]: low when the "
                          "translations fool the discriminators. Dashed: 0.5, its value when "
                          "both D answer ½ everywhere. Faint: per step; solid: running mean.",
                          G_EQUILIBRIUM, "D ≡ ½")
        self.cycle = _chart("Cycle", ("cycle", "recon"),
                            "cycle = ‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁ (mean absolute error, "
                            "pixels in [−1, 1]); G and F minimise λ × this. UNIT: recon, the "
                            "VAEs' own reconstruction, and cycle, the way back through the "
                            "other domain. No points when the cycle loss is off.")
        self.identity = _chart("Identity", ("identity", "kl", "cycle_kl"),
                               "identity = ‖G(b) − b‖₁ + ‖F(a) − a‖₁: how much G changes a "
                               "picture that is already B (weight λ_id·λ). UNIT: kl = ½‖μ‖² of "
                               "the codes, cycle_kl the same for the translated codes.")
        self.d = _chart("Discriminators", ("d_a", "d_b"),
                        "d_b = ½E[(D_B(b) − 1)²] + ½E[D_B(G(a))²] (real → 1, fake → 0), d_a "
                        "the same for A. Dashed: 0.25, where D cannot tell (D ≡ ½); near 0: "
                        "D wins outright.", D_EQUILIBRIUM, "D ≡ ½")
        self.plots = (self.gan, self.cycle, self.identity, self.d)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for plot in self.plots:
            lay.addWidget(plot, 1)
        self.kind = ""
        self.set_model("cyclegan", cycle=True)

    def set_model(self, kind: str, cycle: bool = True) -> None:
        """Show the series `kind` reports; with the cycle loss off, say so on its charts."""
        self.kind = kind
        shown = SERIES[kind]
        for plot in self.plots:
            for name in plot.series:
                plot.show_series(name, name in shown)
        off = "" if cycle else " (off: λ = 0)"
        for plot in (self.cycle, self.identity):
            plot.note.setText("" if cycle else "cycle loss off: nothing to plot")
        if kind == "unit":
            self.cycle.setTitle("Reconstruction and cycle", size="9pt", color="#333")
            self.identity.setTitle("KL terms", size="9pt", color="#333")
        else:
            self.cycle.setTitle("Cycle" + off, size="9pt", color="#333")
            self.identity.setTitle("Identity" + off, size="9pt", color="#333")

    def clear(self) -> None:
        for plot in self.plots:
            plot.clear_data()

    def add(self, step: int, losses: dict[str, float]) -> None:
        for plot in self.plots:
            plot.add(step, losses)

    def redraw(self) -> None:
        for plot in self.plots:
            plot.redraw()

    def series(self, name: str) -> Series:
        return next(p.series[name] for p in self.plots if name in p.series)

    def point_count(self, name: str) -> int:
        return len(self.series(name).x)
