"""The latent tools: prior samples, manifold grid, attribute vectors and morphing."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from models.imaging import save_png, tile
from models.latent import attribute_vector, grid_points, prior_draws

from ... import keys
from ...widgets import ImageView
from .space import LatentSpace


def _export_png(parent: QWidget, image: np.ndarray | None, name: str) -> None:
    if image is None:
        return
    path, _ = QFileDialog.getSaveFileName(parent, "Export PNG", name, "PNG image (*.png)")
    if path:
        try:
            save_png(image, path, scale=2)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(parent, "Export failed", f"Could not write {path}:\n{exc}")


class _Tool(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.space: LatentSpace | None = None

    def set_space(self, space: LatentSpace | None) -> None:
        self.space = space


class NumberedTiles(ImageView):
    """Decoded draws in a grid, each tile numbered in its corner like its cross on the plot."""

    PAD = 2

    def __init__(self, min_side: int = 200):
        super().__init__(min_side=min_side)
        self.n, self.cols, self.side = 0, 1, 28

    def set_tiles(self, images: np.ndarray | None) -> None:
        if images is None or len(images) == 0:
            self.n = 0
            self.set_image(None)
            return
        self.n, self.side = len(images), images.shape[1]
        self.cols = int(np.ceil(np.sqrt(self.n)))
        self.set_image(tile(images, ncols=self.cols, pad=self.PAD))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        t = self.image_rect()
        if t is None or not self.n:
            return
        scale = t.width() / self._image.width()
        step, cell = (self.side + self.PAD) * scale, self.side * scale
        p = QPainter(self)
        font = QFont(self.font())
        font.setPixelSize(max(8, min(12, int(cell / 3))))
        font.setBold(True)
        p.setFont(font)
        w = p.fontMetrics().horizontalAdvance(str(self.n)) + 4
        h = p.fontMetrics().height()
        for i in range(self.n):
            r, c = divmod(i, self.cols)
            tag = QRectF(t.x() + c * step, t.y() + r * step, w, h)
            p.fillRect(tag, QColor(255, 255, 255, 225))    # light on the digits' black
            p.setPen(QColor("#111"))
            p.drawText(tag, Qt.AlignmentFlag.AlignCenter, str(i + 1))
        p.end()


def prior_name(model) -> str:
    """What 'the prior' is for this model, in words (see models.latent.prior_draws)."""
    from models.autoencoder.priors import NAMES
    if model.kind in ("aae", "wae"):
        return f"the prior it matched, {NAMES[model.config.prior]}"
    if model.kind == "hvae":
        return "the top-down prior (z₂ ~ N(0, I), then z₁ ~ p(z₁|z₂))"
    return "N(0, I)" if model.variational else "a uniform box around the encoded data"


class SampleTool(_Tool):
    """Draw N codes from the prior and decode them; the plot shows where they landed.

    The draws belong to one model: while it trains they are decoded again with each new
    snapshot (same codes, new weights), and another model clears them.
    """
    pointsDrawn = Signal(object)   # N×2 plane coordinates, or None

    def __init__(self, parent=None, slow=None):
        super().__init__(parent)
        self.slow = slow          # a SlowDecoder: a PixelCNN decoder's draws go to a worker
        self.z: np.ndarray | None = None
        self.count = QSpinBox(minimum=1, maximum=64, value=16)
        self.draw_btn = QPushButton("Draw from prior")
        keys.bind_button(self.draw_btn, keys.SAMPLE, "VAE: z ~ N(0, I). AAE, WAE: the prior "
                         "they matched. AE: uniform in a box around the data, which often "
                         "lands in empty regions")
        self.draw_btn.clicked.connect(self.draw)
        self.view = NumberedTiles(min_side=200)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self._seed = 0
        top = QHBoxLayout()
        top.addWidget(QLabel("N"))
        top.addWidget(self.count)
        top.addWidget(self.draw_btn, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.note)

    def set_space(self, space: LatentSpace | None) -> None:
        changed_model = space is None or self.space is None or space.model is not self.space.model
        super().set_space(space)
        if changed_model or self.z is None or self.z.shape[1] != space.model.latent_dim:
            self.clear()
        else:
            self._show()

    def draw(self) -> None:
        if self.space is None:
            return
        self._seed += 1
        self.z = prior_draws(self.space.model, self.count.value(), seed=self._seed,
                             latents=self.space.latents)
        self._show()

    def _show(self) -> None:
        model, n = self.space.model, len(self.z)
        where = prior_name(model)
        done = f"{n} draws from {where}; each tile's number is its cross on the plot."
        if model.autoregressive and self.slow is not None:
            def progress(rows: int, images) -> None:
                if rows < 0:
                    self.note.setText(f"Could not draw: {images}")
                    return
                self.view.set_tiles(images)
                self.note.setText(done if rows == 28 else
                                  f"drawing {n} images pixel by pixel… row {rows}/28")
            self.view.set_tiles(np.zeros((n, 28, 28), np.float32))
            self.note.setText(f"drawing {n} images pixel by pixel…")
            self.slow.request("sample", model, self.z, progress)
        else:
            self.view.set_tiles(model.decode(self.z))
            self.note.setText(done)
        self.pointsDrawn.emit(self.points())

    def points(self) -> np.ndarray | None:
        """Plane coordinates of the current draws, or None."""
        return None if self.z is None or self.space is None else self.space.to_plane(self.z)

    def clear(self) -> None:
        if self.slow is not None:
            self.slow.cancel("sample")
        self.z = None
        self.view.set_tiles(None)
        self.note.setText("")
        self.pointsDrawn.emit(None)


class GridTool(_Tool):
    """Decode a regular grid over the visible region of the plane into one mosaic."""
    rangeWanted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.n = QSpinBox(minimum=3, maximum=30, value=15)
        self.n.setToolTip("Grid points per side")
        self.btn = QPushButton("Decode visible region")
        keys.bind_button(self.btn, keys.GRID, "Decode an n×n grid over what the plot shows")
        self.follow = QCheckBox("Follow the view")
        self.follow.setToolTip("Re-decode whenever the plot is panned or zoomed")
        self.export_btn = QPushButton("Export PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the grid as a PNG")
        self.view = ImageView(min_side=220)
        self.btn.clicked.connect(self.rangeWanted)
        self.export_btn.clicked.connect(lambda: _export_png(self, self.view.image(), "manifold.png"))
        top = QHBoxLayout()
        top.addWidget(QLabel("n"))
        top.addWidget(self.n)
        top.addWidget(self.btn, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(self.follow)
        row.addStretch(1)
        row.addWidget(self.export_btn)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)

    def render(self, x_range, y_range) -> np.ndarray | None:
        if self.space is None:
            return None
        n = self.n.value()
        images = self.space.decode_plane(grid_points(x_range, y_range, n))
        mosaic = tile(images, ncols=n)
        self.view.set_image(mosaic)
        return mosaic


class _AttributeRow(QWidget):
    changed = Signal()
    removed = Signal(object)

    def __init__(self, name: str, vector: np.ndarray, parent=None):
        super().__init__(parent)
        self.vector = vector
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=-300, maximum=300, value=0)
        self.slider.setToolTip(f"α for '{name}', from −3 to 3")
        self.value = QLabel("α = 0.00")
        self.value.setMinimumWidth(60)
        remove = QPushButton("✕")
        remove.setFixedWidth(28)
        remove.setToolTip("Remove this attribute")
        remove.clicked.connect(lambda: self.removed.emit(self))
        self.slider.valueChanged.connect(self._moved)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        label = QLabel(name)
        label.setMinimumWidth(90)
        lay.addWidget(label)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.value)
        lay.addWidget(remove)

    @property
    def alpha(self) -> float:
        return self.slider.value() / 100.0

    def _moved(self) -> None:
        self.value.setText(f"α = {self.alpha:+.2f}")
        self.changed.emit()


class AttributeTool(_Tool):
    """v = mean z(with) − mean z(without); the base image moves along z + Σ αᵢ vᵢ."""
    codeMoved = Signal(object, object)      # plane coordinates of z and of z + Σ αᵢ vᵢ

    def __init__(self, parent=None):
        super().__init__(parent)
        self.selection: np.ndarray | None = None
        self.base_z: np.ndarray | None = None
        self.rows: list[_AttributeRow] = []
        self.cls = QComboBox()
        add_cls = QPushButton("Add class attribute")
        add_cls.setToolTip("v = mean code of this class − mean code of all others")
        add_cls.clicked.connect(self.add_class_attribute)
        self.add_sel = QPushButton("Add selection (0 points)")
        self.add_sel.setToolTip("Select points with the Lasso or Box tool first")
        self.add_sel.setEnabled(False)
        self.add_sel.clicked.connect(self.add_selection_attribute)
        self.base_idx = QSpinBox(minimum=0, maximum=0)
        use_idx = QPushButton("Use held-out image #")
        use_idx.clicked.connect(lambda: self.set_base_index(self.base_idx.value()))
        self.base_view = ImageView(min_side=110, caption="base")
        self.result_view = ImageView(min_side=110, caption="z + Σ αᵢ vᵢ")
        self.rows_box = QVBoxLayout()
        self.hint = QLabel("The base is the last point you clicked on the plot.")
        self.hint.setWordWrap(True)

        grid = QGridLayout()
        grid.addWidget(self.cls, 0, 0)
        grid.addWidget(add_cls, 0, 1)
        grid.addWidget(self.add_sel, 1, 0, 1, 2)
        grid.addWidget(self.base_idx, 2, 0)
        grid.addWidget(use_idx, 2, 1)
        images = QHBoxLayout()
        images.addWidget(self.base_view)
        images.addWidget(self.result_view)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addLayout(self.rows_box)
        lay.addLayout(images, 1)
        lay.addWidget(self.hint)

    def set_space(self, space: LatentSpace | None) -> None:
        changed_model = space is None or self.space is None or space.model is not self.space.model
        super().set_space(space)
        if space is None:
            return
        if self.cls.count() != len(space.classes) or self.cls.itemText(0) != f"is a {space.classes[0]}":
            self.cls.clear()
            self.cls.addItems([f"is a {c}" for c in space.classes])
        self.base_idx.setMaximum(max(0, len(space.images) - 1))
        if changed_model:  # vectors from another latent space mean nothing here
            for row in list(self.rows):
                self._remove(row)
            self.set_selection(None)
        if self.base_z is None or len(self.base_z) != space.model.latent_dim:
            self.set_base_index(0)

    def set_selection(self, mask: np.ndarray | None) -> None:
        self.selection = mask
        n = int(np.sum(mask)) if mask is not None else 0
        self.add_sel.setText(f"Add selection ({n} points)")
        self.add_sel.setEnabled(n > 0)

    def set_base(self, z: np.ndarray) -> None:
        self.base_z = np.asarray(z, np.float32).reshape(-1)
        self.update_result()

    def set_base_index(self, i: int) -> None:
        if self.space is not None and len(self.space.latents):
            self.set_base(self.space.latents[min(i, len(self.space.latents) - 1)])

    def add_class_attribute(self) -> None:
        if self.space is not None:
            c = self.cls.currentIndex()
            self._add(self.cls.currentText(), self.space.labels == c)

    def add_selection_attribute(self) -> None:
        if self.space is not None and self.selection is not None:
            self._add(f"selection {len(self.rows) + 1}", self.selection)

    def _add(self, name: str, mask: np.ndarray) -> None:
        try:
            v = attribute_vector(self.space.latents, mask)
        except ValueError as exc:
            QMessageBox.information(self, "Attribute", str(exc))
            return
        row = _AttributeRow(name, v)
        row.changed.connect(self.update_result)
        row.removed.connect(self._remove)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        self.update_result()

    def _remove(self, row: _AttributeRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.update_result()

    def moved_code(self) -> np.ndarray | None:
        if self.base_z is None:
            return None
        return self.base_z + sum((r.alpha * r.vector for r in self.rows), np.zeros_like(self.base_z))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.update_result()

    def update_result(self) -> None:
        if not self.isVisible():    # clicks move the base constantly; decode when shown
            return
        if self.space is None or self.base_z is None or len(self.base_z) != self.space.model.latent_dim:
            return
        codes = np.stack([self.base_z, self.moved_code()])
        both = self.space.model.decode(codes)
        self.base_view.set_image(both[0])
        self.result_view.set_image(both[1])
        base, moved = self.space.to_plane(codes)
        self.codeMoved.emit(base, moved)
