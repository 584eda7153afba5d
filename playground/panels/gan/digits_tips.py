"""The lectures' GAN training tips as switches, and the pure mapping from the Train tab's
values to the model and training configs (tested directly, without widgets).

Every tip is a check box with its amount beside it; a switched-off tip keeps its amount, so
turning it back on restores what the user had.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDoubleSpinBox, QGridLayout, QGroupBox,
                               QLabel, QRadioButton, QSpinBox, QWidget)

from models.gan.losses import LabelTricks
from models.gan.nets import GANConfig
from models.gan.training import GANTrainConfig

from .lab_inputs import RateSpinBox

KINDS = {"dcgan": "DCGAN", "cgan": "Conditional DCGAN", "wgan-gp": "WGAN-GP"}
KIND_TIPS = {
    "dcgan": "Radford et al.'s deep convolutional GAN: transposed convolutions with batch norm "
             "in G, strided convolutions in D",
    "cgan": "The DCGAN with the label given to both networks (Mirza & Osindero): G draws the "
            "digit you ask for, D judges image and label together",
    "wgan-gp": "The DCGAN networks trained with the Wasserstein loss and a gradient penalty "
               "(Gulrajani et al.): D becomes a critic; 5 critic steps per G step, lr 1e-4"}
LOSS_TEXT = {"minimax": "Minimax", "non-saturating": "Non-saturating",
             "wgan-gp": "Wasserstein + GP"}
NUM_CLASSES = 10    # MNIST and Fashion-MNIST
DEFAULTS = {"dataset": "mnist", "kind": "dcgan", "epochs": 5, "batch_size": 64, "noise_dim": 64,
            "g_width": 64, "d_width": 64, "smoothing_on": False, "smoothing": 0.1,
            "noise_on": False, "noise": 0.1, "flip_on": False, "flip": 0.05, "dropout_on": False,
            "dropout": 0.3, "separate_lr": False, "lr": 2e-4, "lr_d": 2e-4, "lr_g": 2e-4, "k_d": 1,
            "loss": "non-saturating", "gp_weight": 10.0, "seed": 0}
WGAN_PRESET = {"k_d": 5, "lr": 1e-4, "lr_d": 1e-4, "lr_g": 1e-4}   # Gulrajani et al., Alg. 1

TIPS = {
    "smoothing": "One-sided label smoothing: D's target for real images becomes 1 − s instead "
                 "of 1 (fakes stay 0). D can no longer become certain, so it stays calibrated "
                 "and keeps giving G useful gradients (Salimans et al. 2016).",
    "noise": "Noisy labels: every target is jittered by a random amount up to this (real 1 − u, "
             "fake 0 + u). Like smoothing, it keeps D from over-committing to its decisions.",
    "flip": "Random label flips: with this probability a real image is labelled fake, or a fake "
            "one real. The occasional wrong lesson slows D down when it overpowers G.",
    "dropout": "Dropout in D at this rate: D is trained with random units switched off, which "
               "weakens and regularises it, so it cannot simply memorise the real images.",
    "d_width": "Channels of D's first convolution (the second has twice as many). A narrower D "
               "is weaker, which helps when D wins too easily and G's gradient vanishes.",
    "separate_lr": "Give D and G their own learning rates (the two time-scale update rule, "
                   "Heusel et al. 2017). Lower D's rate when D overpowers G, or raise it so the "
                   "critic keeps up.",
    "k_d": "D-steps per G-step (k in Goodfellow et al.'s Algorithm 1): D is updated k times, each "
           "on a fresh real batch, before G moves once. More suits the WGAN critic; 1 is usual "
           "for DCGAN.",
    "minimax": "G minimises log(1 − D(G(z))), the original game. Early on D rejects G's samples "
               "confidently and this saturates: G's gradient all but vanishes.",
    "non-saturating": "G maximises log D(G(z)) instead: the same fixed point, but strong "
                      "gradients exactly when G is losing (Goodfellow et al.'s practical fix).",
    "wgan-gp": "Wasserstein loss with gradient penalty: D becomes a critic f whose score gap "
               "estimates the Wasserstein distance, and its gradients stay useful even when it "
               "wins, which curbs mode collapse. The label tricks do not apply to it.",
    "gp_weight": "λ, the weight of the penalty λ·E(‖∇f(x̂)‖ − 1)² that keeps the critic "
                 "1-Lipschitz (10 in the paper).",
}


def configs_from(v: dict) -> tuple[GANConfig, GANTrainConfig]:
    """The Train tab's values → (model config, training config). Raises ValueError with a
    readable message for values the configs reject."""
    v = {**DEFAULTS, **v}
    loss = v["loss"]
    wasserstein = loss == "wgan-gp"
    # the label tricks act on BCE targets; the critic has none, so they are left out rather
    # than recorded in the checkpoint as if they had done something
    tricks = LabelTricks() if wasserstein else LabelTricks(
        smoothing=float(v["smoothing"]) if v["smoothing_on"] else 0.0,
        noise=float(v["noise"]) if v["noise_on"] else 0.0,
        flip=float(v["flip"]) if v["flip_on"] else 0.0)
    if v["separate_lr"]:
        lr_d, lr_g = float(v["lr_d"]), float(v["lr_g"])
    else:
        lr_d = lr_g = float(v["lr"])
    model = GANConfig(noise_dim=int(v["noise_dim"]), g_width=int(v["g_width"]),
                      d_width=int(v["d_width"]),
                      num_classes=NUM_CLASSES if v["kind"] == "cgan" else 0,
                      d_dropout=float(v["dropout"]) if v["dropout_on"] else 0.0)
    train = GANTrainConfig(loss=loss, epochs=int(v["epochs"]), batch_size=int(v["batch_size"]),
                           lr_g=lr_g, lr_d=lr_d, k_d=int(v["k_d"]), tricks=tricks,
                           gp_weight=float(v["gp_weight"]), seed=int(v["seed"]))
    return model, train


def _amount(lo: float, hi: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    s = QDoubleSpinBox(decimals=decimals, minimum=lo, maximum=hi, singleStep=step)
    s.setToolTip(tip)
    return s


class TipsBox(QGroupBox):
    """The switches. `changed` fires on any edit; `lossChanged(str)` when the loss changes."""

    changed = Signal()
    lossChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("The lectures' tips", parent)
        self.setToolTip("Switches for the tricks that keep GAN training stable. Break training "
                        "on purpose (e.g. minimax loss, a wide D with a high learning rate) and "
                        "watch the diagnostics catch it.")
        g = QGridLayout(self)
        g.setColumnStretch(0, 1)
        self.checks: dict[str, QCheckBox] = {}
        self.amounts: dict[str, QDoubleSpinBox] = {}
        row = 0
        for key, text, lo, hi, step, dec in (
                ("smoothing", "One-sided label smoothing", 0.0, 0.5, 0.05, 2),
                ("noise", "Noisy labels", 0.0, 0.5, 0.05, 2),
                ("flip", "Random label flips", 0.0, 0.5, 0.01, 2),
                ("dropout", "Dropout in D", 0.0, 0.85, 0.05, 2)):
            box = QCheckBox(text)
            box.setToolTip(TIPS[key])
            amount = _amount(lo, hi, step, dec, TIPS[key])
            box.toggled.connect(self._update_enabled)
            g.addWidget(box, row, 0)
            g.addWidget(amount, row, 1)
            self.checks[key], self.amounts[key] = box, amount
            row += 1
        self.d_width = QSpinBox(minimum=4, maximum=256, singleStep=8)
        self.d_width.setToolTip(TIPS["d_width"])
        label = QLabel("D's width")
        label.setToolTip(TIPS["d_width"])
        g.addWidget(label, row, 0)
        g.addWidget(self.d_width, row, 1)
        row += 1
        self.k_d = QSpinBox(minimum=1, maximum=20)
        self.k_d.setToolTip(TIPS["k_d"])
        label = QLabel("D-steps per G-step (k)")
        label.setToolTip(TIPS["k_d"])
        g.addWidget(label, row, 0)
        g.addWidget(self.k_d, row, 1)
        row += 1
        self.separate = QCheckBox("Separate learning rates")
        self.separate.setToolTip(TIPS["separate_lr"])
        self.separate.toggled.connect(self._update_enabled)
        g.addWidget(self.separate, row, 0, 1, 2)
        row += 1
        self.lr, self.lr_d, self.lr_g = RateSpinBox(), RateSpinBox(), RateSpinBox()
        self.lr.setToolTip("The learning rate of both D and G (Adam; β₁ = 0.5 as in DCGAN, or "
                           "(0, 0.9) for WGAN-GP)")
        self.lr_d.setToolTip("D's learning rate. " + TIPS["separate_lr"])
        self.lr_g.setToolTip("G's learning rate. " + TIPS["separate_lr"])
        self.lr_labels = []
        for text, w in (("Learning rate", self.lr), ("  D's learning rate", self.lr_d),
                        ("  G's learning rate", self.lr_g)):
            label = QLabel(text)
            label.setToolTip(w.toolTip())
            self.lr_labels.append(label)
            g.addWidget(label, row, 0)
            g.addWidget(w, row, 1)
            row += 1
        g.addWidget(QLabel("Generator loss"), row, 0, 1, 2)
        row += 1
        self.loss_group = QButtonGroup(self)
        self.loss_buttons: dict[str, QRadioButton] = {}
        for key in ("minimax", "non-saturating", "wgan-gp"):
            b = QRadioButton(LOSS_TEXT[key])
            b.setToolTip(TIPS[key])
            self.loss_group.addButton(b)
            self.loss_buttons[key] = b
            g.addWidget(b, row, 0)
            row += 1
        self.gp_weight = _amount(0.0, 100.0, 1.0, 1, TIPS["gp_weight"])
        self.gp_weight.setPrefix("λ = ")
        g.addWidget(self.gp_weight, row - 1, 1)
        for b in self.loss_buttons.values():
            b.toggled.connect(self._loss_toggled)
        for w in (*self.amounts.values(), self.gp_weight, self.lr, self.lr_d, self.lr_g):
            w.valueChanged.connect(self.changed)
        for w in (self.d_width, self.k_d):
            w.valueChanged.connect(self.changed)
        for w in (*self.checks.values(), self.separate):
            w.toggled.connect(self.changed)
        self._enabled = True
        self.set_values(DEFAULTS)

    # ------------------------------------------------------------------ values
    def loss(self) -> str:
        return next((k for k, b in self.loss_buttons.items() if b.isChecked()), "non-saturating")

    def set_loss(self, loss: str) -> None:
        if loss in self.loss_buttons:
            self.loss_buttons[loss].setChecked(True)

    def values(self) -> dict:
        v = {f"{k}_on": self.checks[k].isChecked() for k in self.checks}
        v.update({k: round(self.amounts[k].value(), 4) for k in self.amounts})
        v.update(d_width=self.d_width.value(), k_d=self.k_d.value(),
                 separate_lr=self.separate.isChecked(), lr=self.lr.value(),
                 lr_d=self.lr_d.value(), lr_g=self.lr_g.value(), loss=self.loss(),
                 gp_weight=self.gp_weight.value())
        return v

    def set_values(self, v: dict) -> None:
        for key, box in self.checks.items():
            if isinstance(v.get(f"{key}_on"), bool):
                box.setChecked(v[f"{key}_on"])
        if isinstance(v.get("separate_lr"), bool):
            self.separate.setChecked(v["separate_lr"])
        widgets = {**self.amounts, "d_width": self.d_width, "k_d": self.k_d, "lr": self.lr,
                   "lr_d": self.lr_d, "lr_g": self.lr_g, "gp_weight": self.gp_weight}
        for key, w in widgets.items():
            try:
                w.setValue(type(w.value())(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass
        if v.get("loss") in self.loss_buttons:
            self.set_loss(v["loss"])
        self._update_enabled()

    # ------------------------------------------------------------------ state
    def set_inputs_enabled(self, on: bool) -> None:
        self._enabled = on
        for w in (*self.checks.values(), self.d_width, self.k_d, self.separate,
                  *self.loss_buttons.values()):
            w.setEnabled(on)
        self._update_enabled()

    def _loss_toggled(self, on: bool) -> None:
        if on:
            self._update_enabled()
            self.lossChanged.emit(self.loss())
            self.changed.emit()

    def _update_enabled(self) -> None:
        on, wasserstein = self._enabled, self.loss() == "wgan-gp"
        for key, box in self.checks.items():
            label_trick = key != "dropout"
            box.setEnabled(on and not (label_trick and wasserstein))
            self.amounts[key].setEnabled(box.isEnabled() and box.isChecked())
            if label_trick:
                box.setToolTip(TIPS[key] + ("\nDisabled: the Wasserstein critic has no labels "
                                            "to smooth, jitter or flip." if wasserstein else ""))
        separate = self.separate.isChecked()
        self.lr.setEnabled(on and not separate)
        self.lr_d.setEnabled(on and separate)
        self.lr_g.setEnabled(on and separate)
        self.lr_labels[0].setEnabled(not separate)
        for label in self.lr_labels[1:]:
            label.setEnabled(separate)
        self.gp_weight.setEnabled(on and wasserstein)
