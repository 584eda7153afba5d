"""What the Sample and Complete tabs share: the heat map's colours and their legend, a caption
under a picture, saving pictures (a remembered folder, a dialog on failure), the no-model
text."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ... import settings as app_settings
from ... import widgets
from .pixel_canvas import PixelCanvas

# one remembered export folder for every tab of the panel
EXPORT_DIR = app_settings.Setting("likelihood/export_dir", "", app_settings.path, kind="str")
HEAT_MAP = pg.colormap.get("inferno")       # dark = 0, bright yellow = 1: readable in grey too
MAX_SEED = 2 ** 31 - 1

NO_MODEL = ("<b>No model to sample from:</b> the model chosen in the bar above is not "
            "available. Pick another there, train one in the <b>Train</b> tab, or open a NADE "
            "or PixelCNN checkpoint (Open…).")


def heat_rgba(p: np.ndarray) -> np.ndarray:
    """S×S probabilities → S×S×4 uint8 colours of the heat map (opaque)."""
    rgba = HEAT_MAP.map(np.clip(np.nan_to_num(p), 0, 1).reshape(-1), mode="byte")
    return np.asarray(rgba, np.uint8).reshape(*np.shape(p), 4)


def colour_bar(low: str = "p = 0", high: str = "1") -> QWidget:
    """A horizontal legend of the heat map's colours."""
    ramp = heat_rgba(np.linspace(0, 1, 256)[None].repeat(10, 0))
    ramp = np.ascontiguousarray(ramp)
    image = QImage(ramp.data, 256, 10, 4 * 256, QImage.Format.Format_RGBA8888).copy()
    bar = QLabel()
    bar.setPixmap(QPixmap.fromImage(image).scaled(160, 10))
    w = QWidget()
    row = QHBoxLayout(w)
    row.setContentsMargins(0, 0, 0, 0)
    row.addStretch(1)
    row.addWidget(QLabel(low))
    row.addWidget(bar)
    row.addWidget(QLabel(high))
    row.addStretch(1)
    w.setToolTip("The heat map's colours: dark where the model expects black (x = 0), bright "
                 "yellow where it expects ink (x = 1)")
    return w


def titled(widget: QWidget, title: str, tip: str) -> QWidget:
    """`widget` with a bold title above it."""
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    label = QLabel(f"<b>{title}</b>")
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    label.setToolTip(tip)
    widget.setToolTip(tip)
    col.addWidget(label)
    col.addWidget(widget, 1)
    return box


class TopCanvas(PixelCanvas):
    """A PixelCanvas whose square sits at the top of its cell, so that a caption below the
    widget (or a title above it) stays next to the picture however tall the cell is."""

    def picture_rect(self):
        r = super().picture_rect()
        r.moveTop(0)
        return r


class CaptionedCanvas(TopCanvas):
    """A TopCanvas with a line of text right under its square (a completion's log p)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._caption = ""

    def caption(self) -> str:
        return self._caption

    def set_caption(self, text: str) -> None:
        self._caption = text
        self.update()

    def _line(self) -> int:
        return self.fontMetrics().height() + 6

    def picture_rect(self) -> QRect:
        side = min(self.width(), self.height() - self._line())
        side = max(side - side % self.size_px, self.size_px)
        return QRect((self.width() - side) // 2, 0, side, side)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if self._caption:
            p = QPainter(self)
            p.setPen(self.palette().windowText().color())
            p.drawText(QRect(0, self.picture_rect().bottom() + 4, self.width(), self._line()),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self._caption)
            p.end()


def upscale(image: np.ndarray, k: int) -> np.ndarray:
    """Nearest-neighbour ×k along the first two axes (crisp pixels in an exported PNG)."""
    return np.repeat(np.repeat(image, k, axis=0), k, axis=1)


def grey_rgb(image: np.ndarray) -> np.ndarray:
    u8 = (np.clip(np.asarray(image, np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.repeat(u8[..., None], 3, axis=2)


def ask_save_path(parent: QWidget, title: str, name: str) -> str | None:
    """A .png path in the panel's remembered export folder, or None if cancelled."""
    return widgets.ask_save_path(parent, EXPORT_DIR, title, name)


def save_rgb(rgb: np.ndarray, path: str) -> None:
    from PIL import Image
    Image.fromarray(np.ascontiguousarray(rgb, np.uint8)).save(path)


write_or_warn = widgets.write_or_warn
