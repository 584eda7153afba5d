"""Input widgets of the 2-D lab's controls: spin boxes that emit once per edit, a
learning-rate box that steps along 1-2-5, combos and buttons with shortcuts in their tooltips.
"""
from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QPushButton, QSpinBox

from ... import keys

LADDER = [m * 10.0 ** e for e in range(-5, 1) for m in (1, 2, 5) if m * 10.0 ** e <= 1.0]


class RateSpinBox(QDoubleSpinBox):
    """A learning rate: arrows walk the 1-2-5 ladder (…, 1e-4, 2e-4, 5e-4, 1e-3, …)."""

    def __init__(self):
        super().__init__(decimals=6, minimum=1e-5, maximum=1.0)
        self.setKeyboardTracking(False)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt name)
        v = self.value()
        if steps > 0:      # the first step lands on the next rung above, off the ladder or on it
            above = [i for i, r in enumerate(LADDER) if r > v * 1.001]
            i = above[0] + steps - 1 if above else len(LADDER) - 1
        elif steps < 0:
            below = [i for i, r in enumerate(LADDER) if r < v * 0.999]
            i = below[-1] + steps + 1 if below else 0
        else:
            return
        self.setValue(LADDER[max(0, min(len(LADDER) - 1, i))])

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        try:
            float(text)
            return QValidator.State.Acceptable, text, pos
        except ValueError:
            return QValidator.State.Intermediate, text, pos


def spin(lo: int, hi: int, tip: str, step: int = 1) -> QSpinBox:
    s = QSpinBox(minimum=lo, maximum=hi, singleStep=step)
    s.setKeyboardTracking(False)          # one change per edit, not one per keystroke
    s.setToolTip(tip)
    return s


def fraction(tip: str, hi: float = 0.5, step: float = 0.05) -> QDoubleSpinBox:
    s = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=hi, singleStep=step)
    s.setSpecialValueText("off")
    s.setKeyboardTracking(False)
    s.setToolTip(tip)
    return s


def combo(items: dict, tip: str) -> QComboBox:
    c = QComboBox()
    for key, name in items.items():
        c.addItem(name, key)
    c.setToolTip(tip)
    return c


def button(text: str, action: keys.Action | None, tip: str) -> QPushButton:
    """A push button; with an action from playground.keys, its key and a tooltip naming it."""
    b = QPushButton(text)
    if action is not None:
        keys.bind_button(b, action, tip)
    else:
        b.setToolTip(tip)
    return b
