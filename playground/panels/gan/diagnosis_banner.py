"""A banner that names an active training failure, shows its evidence and the lectures' remedy.

Fed `models.gan.diagnostics.Diagnosis` events: an active one shows (or replaces) its card, an
inactive one removes it. The widget hides itself when no card is left, so it takes no room
while training is healthy. Shared by the 2-D lab and the digits view. `offer_labels` adds the
remedies that need class labels (a conditional GAN): the digits view sets it while it trains
an unconditional GAN; the 2-D lab, whose points have no labels, never does.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from models.gan.diagnostics import remedy

# background, border: amber for a D that wins too easily, red for a collapsing G
STYLES = {"overpowered": ("#fff4d6", "#d99a00"), "collapse": ("#fde3e1", "#c9302c")}
FALLBACK_STYLE = ("#eef1f5", "#6c7a89")


class _Card(QFrame):
    dismissed = Signal(str)

    def __init__(self, kind: str, offer_labels: bool):
        super().__init__()
        self.kind, self.offer_labels = kind, offer_labels
        background, border = STYLES.get(kind, FALLBACK_STYLE)
        self.setObjectName("diagnosisCard")
        self.setStyleSheet(f"#diagnosisCard {{ background: {background}; border: 1px solid {border};"
                           f" border-left: 5px solid {border}; border-radius: 3px; }}"
                           "QLabel { background: transparent; border: none; color: #222; }")
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.evidence = QLabel()
        self.evidence.setWordWrap(True)
        self.remedy = QLabel()
        self.remedy.setWordWrap(True)
        self.remedy.setTextFormat(Qt.TextFormat.RichText)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Hide this warning until the condition ends and fires again")
        close.clicked.connect(lambda: self.dismissed.emit(self.kind))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 6, 6)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.evidence)
        lay.addWidget(self.remedy)

    def set_diagnosis(self, d) -> None:
        self.title.setText(f"<b>⚠ {d.title}</b> <span style='color:#555'>(since step {d.step:,})</span>")
        self.evidence.setText(f"Evidence: {d.evidence}." if d.evidence and not d.evidence.endswith(".")
                              else f"Evidence: {d.evidence}")
        self.remedy.setText(f"<b>What helps:</b> {remedy(d.kind, labelled=self.offer_labels)}")


class DiagnosisBanner(QWidget):
    """One card per active diagnosis kind; hidden when there is none."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, offer_labels: bool = False):
        super().__init__(parent)
        self.offer_labels = offer_labels     # read when a card is made: set it before training
        self._cards: dict[str, _Card] = {}
        self._active: dict = {}
        self._dismissed: set[str] = set()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.setToolTip("The live diagnostics watch D's loss and the spread of G's samples, "
                        "and name the failure with the lectures' remedy")
        self.setVisible(False)

    # ---------------------------------------------------------------- public
    def show_diagnosis(self, d) -> None:
        """Show an active Diagnosis (replacing one of its kind); an inactive one clears it."""
        if not d.active:
            self.clear_diagnosis(d.kind)
            return
        self._active[d.kind] = d
        self._dismissed.discard(d.kind)
        card = self._cards.get(d.kind)
        if card is None:
            card = _Card(d.kind, self.offer_labels)
            card.dismissed.connect(self._dismiss)
            self._cards[d.kind] = card
            self._layout.addWidget(card)
        card.set_diagnosis(d)
        card.setVisible(True)
        self._update_visible()

    def clear_diagnosis(self, kind: str) -> None:
        self._active.pop(kind, None)
        self._dismissed.discard(kind)
        card = self._cards.pop(kind, None)
        if card is not None:
            self._layout.removeWidget(card)
            card.deleteLater()
        self._update_visible()

    def clear_all(self) -> None:
        for kind in list(self._cards):
            self.clear_diagnosis(kind)

    def active_kinds(self) -> list[str]:
        """The diagnoses shown now (dismissed ones excluded)."""
        return [k for k in self._active if k not in self._dismissed]

    def text(self) -> str:
        """Everything the visible cards say, for tests and copying."""
        parts = []
        for kind in self.active_kinds():
            card = self._cards[kind]
            parts += [card.title.text(), card.evidence.text(), card.remedy.text()]
        return "\n".join(parts)

    # ---------------------------------------------------------------- internals
    def _dismiss(self, kind: str) -> None:
        self._dismissed.add(kind)
        if kind in self._cards:
            self._cards[kind].setVisible(False)
        self._update_visible()

    def _update_visible(self) -> None:
        self.setVisible(bool(self.active_kinds()))
        self.changed.emit()
