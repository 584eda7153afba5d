"""Square pictures side by side, each with its caption just above it.

A grid layout would stretch the cells to the window's height and leave captions floating
far from their pictures; this row keeps every picture square and the same size, as large
as the space allows, and centres the group.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

GAP = 12
CAPTION_H = 22


class PictureRow(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._items: list[tuple[QLabel, QWidget]] = []
        # as tall as the width makes the pictures, so the buttons below sit right under them
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, widget: QWidget, caption: str, tip: str = "") -> QLabel:
        label = QLabel(caption, self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setToolTip(tip)
        widget.setParent(self)
        widget.setToolTip(tip or widget.toolTip())
        self._items.append((label, widget))
        self._place()
        return label

    def visible_items(self) -> list[tuple[QLabel, QWidget]]:
        return [(c, w) for c, w in self._items if not w.isHidden()]

    def set_shown(self, widget: QWidget, shown: bool) -> None:
        for caption, w in self._items:
            if w is widget:
                caption.setVisible(shown)
                w.setVisible(shown)
        self._place()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt name)
        n = max(1, len(self.visible_items()))
        return max(120, (width - (n - 1) * GAP) // n) + CAPTION_H

    def sizeHint(self) -> QSize:
        return QSize(3 * 300 + 2 * GAP, 300 + CAPTION_H)

    def minimumSizeHint(self) -> QSize:
        return QSize(3 * 120 + 2 * GAP, 120 + CAPTION_H)

    def side(self) -> int:
        items = self.visible_items()
        n = max(1, len(items))
        return max(16, min((self.width() - (n - 1) * GAP) // n, self.height() - CAPTION_H))

    def _place(self) -> None:
        items = self.visible_items()
        if not items:
            return
        side = self.side()
        total = len(items) * side + (len(items) - 1) * GAP
        x = (self.width() - total) // 2
        y = (self.height() - side - CAPTION_H) // 2
        for caption, widget in items:
            caption.setGeometry(x, y, side, CAPTION_H)
            widget.setGeometry(x, y + CAPTION_H, side, side)
            x += side + GAP

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._place()
