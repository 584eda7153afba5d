"""The strip: x_t at chosen values of t side by side, with the same ε, and its PNG export."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from models.diffusion.forward import even_times, format_times, forward_strip, parse_times
from models.imaging import save_png, tile

from ... import keys
from ...widgets import gray_qimage

STRIP_PAD, STRIP_SCALE = 2, 4
MAX_FRAMES = 40   # beyond this the frames are too small to read


class StripView(QWidget):
    """x_t at a few chosen t, side by side with their t underneath; click one to go there."""
    tPicked = Signal(int)
    LABEL_H = 18
    GAP = 6

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._images = []
        self.times: list[int] = []
        self.frames: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(80)
        self.setToolTip("Click a frame to move the slider to its t")

    def sizeHint(self) -> QSize:
        return QSize(600, 130)

    def set_frames(self, frames: np.ndarray, times: list[int]) -> None:
        self.frames, self.times = frames, list(times)
        self._images = [gray_qimage(f) for f in frames]
        self.update()

    def _rects(self) -> list[QRectF]:
        n = len(self._images)
        if not n:
            return []
        side = min(self.height() - self.LABEL_H - 4, (self.width() - self.GAP * (n - 1) - 4) / n)
        side = max(side, 4.0)
        left = (self.width() - (n * side + (n - 1) * self.GAP)) / 2
        return [QRectF(left + i * (side + self.GAP), 2, side, side) for i in range(n)]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.setPen(self.palette().windowText().color())
        metrics = p.fontMetrics()
        for rect, image, t in zip(self._rects(), self._images, self.times):
            p.drawImage(rect, image)
            label = QRectF(rect.x() - self.GAP / 2, rect.bottom() + 2, rect.width() + self.GAP, self.LABEL_H)
            text = f"t = {t}"
            if metrics.horizontalAdvance(text) > label.width():   # many narrow frames
                text = str(t)
            p.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
        p.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        pos = event.position()
        for rect, t in zip(self._rects(), self.times):
            if rect.adjusted(0, 0, 0, self.LABEL_H).contains(pos):
                self.tPicked.emit(t)
                return
        super().mousePressEvent(event)


class StripBox(QGroupBox):
    """The strip with its controls. The view hands it x_0, ᾱ and ε whenever they change."""
    tPicked = Signal(int)
    timesEdited = Signal(str)   # valid text, worth remembering
    message = Signal(str)

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__("Strip of x_t (same ε)", parent)
        self.export_name = "forward-strip.png"
        self._source: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.times: list[int] = []
        self.edit = QLineEdit(text)
        self.edit.setToolTip("Values of t for the strip, separated by commas or spaces; "
                             "press Enter to apply")
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828")
        self.n = QSpinBox(minimum=2, maximum=20, value=8)
        self.n.setToolTip("How many evenly spaced values of t")
        self.even_btn = QPushButton("Evenly spaced")
        self.even_btn.setToolTip("Fill in N values of t from 0 to T")
        self.export_btn = QPushButton("Export strip…")
        keys.bind_button(self.export_btn, keys.EXPORT,
                         f"Save the strip as a PNG, {STRIP_SCALE}× enlarged")
        self.view = StripView()
        row = QHBoxLayout()
        row.addWidget(QLabel("t ="))
        row.addWidget(self.edit, 1)
        row.addWidget(self.error)
        row.addSpacing(12)
        for w in (QLabel("N"), self.n, self.even_btn, self.export_btn):
            row.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        self.edit.editingFinished.connect(self._edited)
        self.even_btn.clicked.connect(self._even)
        self.export_btn.clicked.connect(lambda: self.export())
        self.view.tPicked.connect(self.tPicked)

    @property
    def T(self) -> int:
        return 0 if self._source is None else len(self._source[1])

    def set_source(self, x0: np.ndarray, alphas_cumprod: np.ndarray, noise: np.ndarray) -> None:
        self._source = (x0, alphas_cumprod, noise)
        self.refresh()

    def refresh(self) -> None:
        if self._source is None:
            return
        try:
            times = parse_times(self.edit.text(), self.T, MAX_FRAMES)
        except ValueError as exc:   # keep showing the last good strip
            self.error.setText(str(exc))
            self.export_btn.setEnabled(False)
            return
        self.error.setText("")
        self.export_btn.setEnabled(True)
        self.times = times
        self.view.set_frames(forward_strip(self._source[0], times, *self._source[1:]), times)

    def rescale(self, old_T: int, new_T: int) -> None:
        """Keep the same fractions of the way when T changes (the caller refreshes)."""
        try:
            times = parse_times(self.edit.text(), old_T)
        except ValueError:
            return
        self.edit.setText(format_times(sorted({round(v * new_T / old_T) for v in times})))

    def set_times(self, times) -> None:
        self.edit.setText(times if isinstance(times, str) else format_times(times))
        self._edited()

    def _edited(self) -> None:
        self.refresh()
        if not self.error.text():
            self.timesEdited.emit(self.edit.text())

    def _even(self) -> None:
        self.set_times(even_times(self.n.value(), self.T))

    def export(self, path: str | None = None) -> bool:
        frames = self.view.frames
        if frames is None or not len(frames) or self.error.text():
            QMessageBox.information(self, "Export strip", "Enter valid values of t for the strip first.")
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export strip", self.export_name, "PNG image (*.png)")
        if not path:
            return False
        if Path(path).suffix.lower() != ".png":
            path += ".png"
        try:
            save_png(tile(frames, ncols=len(frames), pad=STRIP_PAD, fill=1.0), path, scale=STRIP_SCALE)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")
            return False
        self.message.emit(f"Saved the strip (t = {format_times(self.times)}) to {path}")
        return True
