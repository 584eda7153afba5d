"""The class palette: one checkable row per landscape class, with its colour and name."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QButtonGroup, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from models.pix2pix.landscapes import BACKGROUND, CLASSES

SWATCH = 18


def swatch_icon(colour, side: int = SWATCH) -> QIcon:
    """A square of the class colour with a dark rim, so white cloud shows on a white theme."""
    pix = QPixmap(side, side)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.fillRect(0, 0, side, side, QColor("#333"))
    p.fillRect(1, 1, side - 2, side - 2, QColor(*colour))
    p.end()
    return QIcon(pix)


class ClassPalette(QWidget):
    classChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None, current: int = 2):
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QToolButton] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        for i, c in enumerate(CLASSES):
            key = str(i + 1)
            b = QToolButton()
            b.setText(f"{key}  {c.name}")
            b.setIcon(swatch_icon(c.colour))
            b.setIconSize(QSize(SWATCH, SWATCH))
            b.setCheckable(True)
            b.setAutoRaise(True)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            extra = " — what the eraser and the right button paint" if i == BACKGROUND else ""
            b.setToolTip(f"Paint {c.name} ({key}){extra}")
            self.group.addButton(b, i)
            self.buttons.append(b)
            lay.addWidget(b)
        lay.addStretch(1)
        # room for the widest text up front, so that coverage updates never re-lay out the panel
        widest = max(self.buttons[0].fontMetrics().horizontalAdvance(f"{i + 1}  {c.name}  (100%)")
                     for i, c in enumerate(CLASSES))
        self.setMinimumWidth(widest + SWATCH + 24)
        self._current = -1
        self.set_class(current)
        self.group.idClicked.connect(self.set_class)

    def current_class(self) -> int:
        return self._current

    def set_class(self, i: int) -> None:
        i = int(i)
        if not 0 <= i < len(CLASSES):
            raise ValueError(f"class {i} is out of range 0–{len(CLASSES) - 1}")
        self.buttons[i].setChecked(True)
        if i != self._current:
            self._current = i
            self.classChanged.emit(i)

    def set_coverage(self, label_map: np.ndarray | None) -> None:
        """Show each class's share of the map beside its name, or nothing (None)."""
        counts = None if label_map is None else np.bincount(np.asarray(label_map).ravel(),
                                                           minlength=len(CLASSES))
        for i, (b, c) in enumerate(zip(self.buttons, CLASSES)):
            text = f"{i + 1}  {c.name}"
            if counts is not None and counts.sum():
                text += f"  ({100 * counts[i] / counts.sum():.0f}%)"
            b.setText(text)
