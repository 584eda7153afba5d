"""The 2-D lab's control column: data, the two networks, the game's rules and the tips,
what to draw, and the play / step / reset buttons.

It only holds values and emits signals; the view decides what each change does (the game's
rules apply live, an architecture change starts the networks afresh).
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QStyle, QVBoxLayout, QWidget)

from models.gan.losses import LOSS_NAMES, LabelTricks
from models.gan.toy2d import DATASET_NAMES, NOISES, GAN2DConfig
from models.gan.toy2d_train import LAYERS, OPTIMIZERS, GAN2DTrainConfig

from ... import keys
from .lab_inputs import RateSpinBox, button, combo, fraction, spin
from .lab_plot import LAYER_NAMES

DRAW, FILE = "draw", "file"
DATASET_TIPS = {"8gaussians": "Eight tight Gaussians on a ring: the classic test of mode collapse",
                "25gaussians": "A 5×5 grid of tight Gaussians: harder, 25 modes to cover",
                "moons": "Two interleaved half-circles", "spiral": "A two-turn spiral",
                DRAW: "Click and drag on the plot to draw your own distribution"}
LAYER_TIPS = {
    "real": "Samples of the real distribution p_data that D learns to accept",
    "fake": "G(z) for a fixed batch of 512 noise vectors, so you see the same points move",
    "field": "D's output over the plane: its belief that a point is real (with WGAN-GP the "
             "critic's unbounded score instead, rescaled each frame). G's points are "
             "pushed up this landscape, towards where D says “real”",
    "arrows": "−∂L_G/∂x at each generated point: where G's loss pushes that sample next "
              "(lengths ∝ √|gradient|, rescaled every frame)",
    "manifold": "G applied to a regular grid of z: how G folds and stretches the noise plane "
                "onto the data (the first two noise dimensions, the rest held at 0)"}
OPT_TIPS = "adam (β₁ = 0.5, as in DCGAN), plain sgd, or rmsprop (as in the original WGAN)"
DEFAULT_LAYERS = ("real", "fake", "field", "arrows")
DEFAULTS = {"dataset": "8gaussians", "noise_dim": 2, "noise": "gaussian", "g_layers": 3,
            "g_width": 128, "d_layers": 3, "d_width": 128, "d_dropout": 0.0,
            "loss": "non-saturating", "k_d": 1, "lr_d": 1e-3, "lr_g": 1e-3, "opt_d": "adam",
            "opt_g": "adam", "batch_size": 256, "smoothing": 0.0, "label_noise": 0.0,
            "flip": 0.0, "gp_weight": 0.1, "seed": 0, "layers": list(DEFAULT_LAYERS)}
class LabControlPanel(QWidget):
    datasetChanged = Signal(str)
    loadPointsRequested = Signal()
    clearDrawingRequested = Signal()
    architectureChanged = Signal()
    rulesChanged = Signal()              # loss, k, rates, optimisers, batch, tricks: live
    layersChanged = Signal()
    playRequested = Signal()             # play or pause
    stepRequested = Signal(str)          # "both", "d" or "g"
    resetRequested = Signal()
    saveImageRequested = Signal()
    saveCheckpointRequested = Signal()
    openCheckpointRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._build_run()
        self._build_data()
        self._build_model()
        self._build_rules()
        self._build_layers()
        self.save_image_btn = button("Save PNG…", keys.EXPORT, "Save the picture as a PNG image")
        self.open_ckpt_btn = button("Open GAN…", None, "Continue from a saved 2-D GAN checkpoint: "
                                    "its G, D and settings")
        self.save_ckpt_btn = button("Save GAN…", None, "Save G and D as a checkpoint folder "
                                    "(pauses training first)")
        files = QHBoxLayout()
        for b in (self.save_image_btn, self.open_ckpt_btn, self.save_ckpt_btn):
            files.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 4, 0)
        lay.setSpacing(4)
        for w in (self.run_box, self.layers_box, self.data_box, self.model_box, self.rules_box):
            lay.addWidget(w)
            # compact rows: the whole column fits the lab's height in a 1400×860 window
            w.layout().setContentsMargins(8, 4, 8, 6)
            w.layout().setVerticalSpacing(5)
        lay.addLayout(files)
        lay.addStretch(1)
        self._connect()
        self.set_values(DEFAULTS)
        self.set_running(False)

    # ---------------------------------------------------------------- building
    def _build_run(self) -> None:
        self.run_box = QGroupBox("Play the game")
        self.play_btn = button("Play", None, keys.tip("Play or pause training", keys.PLAY))
        self.step_btn = button("One step", keys.STEP, "One round: k D-steps, then one G-step")
        self.d_step_btn = button("Train D only", keys.STEP_D, "One update of D alone, G frozen: watch "
                                  "D's heat map sharpen while the generated points stay put")
        self.g_step_btn = button("Train G only", keys.STEP_G, "One update of G alone, D frozen: the "
                                  "generated points climb D's current landscape")
        self.reset_btn = button("Reset", keys.RESET, "New random G and D; the charts start over")
        grid = QGridLayout(self.run_box)
        grid.addWidget(self.play_btn, 0, 0, 1, 2)
        grid.addWidget(self.step_btn, 0, 2, 1, 2)
        grid.addWidget(self.reset_btn, 0, 4, 1, 2)
        grid.addWidget(self.d_step_btn, 1, 0, 1, 3)
        grid.addWidget(self.g_step_btn, 1, 3, 1, 3)
        self.step_label = QLabel("step 0")
        self.step_label.setToolTip("Rounds played (one round = k D-steps + one G-step) and the "
                                   "training speed")
        self.device_label = QLabel("on the CPU")
        self.device_label.setStyleSheet("color: #666;")
        self.device_label.setToolTip("The 2-D lab always trains on the CPU: its MLPs are so small "
                                     "that a GPU's launch overhead makes every step slower")
        grid.addWidget(self.step_label, 2, 0, 1, 4)
        grid.addWidget(self.device_label, 2, 4, 1, 2, Qt.AlignmentFlag.AlignRight)
        # Space plays, as on every playback bar; the step button holds S, this its other key
        self._shortcuts = keys.shortcut(keys.PLAY, self, self.playRequested.emit,
                                        "Play or pause training")
        step = keys.Action(keys.STEP.name, keys.STEP.keys[1:], keys.STEP.what)
        self._shortcuts += keys.shortcut(step, self, lambda: self._step("both"),
                                         "One round: k D-steps, then one G-step")
        self.status = QLabel(f"Press Play ({keys.PLAY.native()}): G's points chase the data.")
        self.status.setWordWrap(True)
        grid.addWidget(self.status, 3, 0, 1, 6)

    def _build_data(self) -> None:
        self.data_box = QGroupBox("Data")
        form = QFormLayout(self.data_box)
        self.dataset = QComboBox()
        for key, name in {**DATASET_NAMES, DRAW: "Draw your own"}.items():
            self.dataset.addItem(name, key)
            self.dataset.setItemData(self.dataset.count() - 1, DATASET_TIPS[key],
                                     Qt.ItemDataRole.ToolTipRole)
        self.dataset.setToolTip("The real distribution p_data. Changing it keeps G and D: watch "
                                "them chase the new data, or Reset to start afresh.")
        self.load_btn = button("Load points…", keys.LOAD_INPUT, "Learn your own points: a NumPy .npy file "
                                "holding an N×2 array of x, y coordinates")
        self.clear_btn = button("Clear drawing", keys.CLEAR, "Erase your drawing")
        self.draw_hint = QLabel("Drag on the plot to draw; G chases each stroke.")
        self.draw_hint.setWordWrap(True)
        self.draw_hint.setStyleSheet("color: #a33;")
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.load_btn)
        row.addWidget(self.clear_btn)
        form.addRow("Dataset", self.dataset)
        form.addRow(row)
        form.addRow(self.draw_hint)

    def _build_model(self) -> None:
        self.model_box = QGroupBox("Networks (changing them resets)")
        self.model_box.setToolTip("G and D are MLPs. A change here builds new random networks.")
        grid = QGridLayout(self.model_box)
        self.g_layers = spin(1, 8, "Hidden layers of the generator G (ReLU)")
        self.g_width = spin(4, 1024, "Units per hidden layer of G", 16)
        self.d_layers = spin(1, 8, "Hidden layers of the discriminator D (LeakyReLU 0.2)")
        self.d_width = spin(4, 1024, "Units per hidden layer of D: a wider D learns faster and "
                             "can overpower G", 16)
        self.noise_dim = spin(1, 64, "Dimension of the noise z that G maps to the plane. With 1, "
                               "G can only draw a curve")
        self.noise = combo({n: n for n in NOISES}, "The noise distribution p(z): Gaussian N(0, I) "
                            "or uniform U(−1, 1) in every dimension")
        self.seed = spin(0, 1_000_000, "Seed of the initial weights and the noise")
        for r, (label, w, label2, w2) in enumerate((
                ("G layers", self.g_layers, "width", self.g_width),
                ("D layers", self.d_layers, "width", self.d_width),
                ("z dim", self.noise_dim, "p(z)", self.noise))):
            grid.addWidget(QLabel(label), r, 0)
            grid.addWidget(w, r, 1)
            grid.addWidget(QLabel(label2), r, 2)
            grid.addWidget(w2, r, 3)
        grid.addWidget(QLabel("Seed"), 3, 0)
        grid.addWidget(self.seed, 3, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _build_rules(self) -> None:
        self.rules_box = QGroupBox("The game and the tips (apply live)")
        form = QFormLayout(self.rules_box)
        self.loss = combo(LOSS_NAMES, "minimax: G minimises log(1 − D(G(z))), whose gradient "
                           "vanishes while D rejects G's samples. non-saturating: G maximises "
                           "log D(G(z)) instead. WGAN-GP: a critic with no sigmoid and a gradient "
                           "penalty; G follows its slope even where D is sure.")
        self.k_d = spin(1, 50, "k: D updates per G update, as in Goodfellow et al.'s Algorithm 1. "
                         "A larger k keeps D near its optimum (WGAN uses 5)")
        self.lr_d, self.lr_g = RateSpinBox(), RateSpinBox()
        self.lr_d.setToolTip("D's learning rate. Separate rates (TTUR) let D learn faster than G, "
                             "or slower when it overpowers G")
        self.lr_g.setToolTip("G's learning rate")
        self.opt_d = combo({o: o for o in OPTIMIZERS}, f"D's optimiser: {OPT_TIPS}")
        self.opt_g = combo({o: o for o in OPTIMIZERS}, f"G's optimiser: {OPT_TIPS}")
        self.batch = spin(8, 4096, "Real and generated points per step", 32)
        self.smoothing = fraction("One-sided label smoothing: D's target for real points is "
                                   "1 − s instead of 1, so D cannot become over-confident; fake "
                                   "targets stay 0 (smoothing them would reward G's mistakes)")
        self.label_noise = fraction("Noisy labels: every target is jittered by up to this amount "
                                     "(real 1 − u, fake 0 + u)")
        self.flip = fraction("Label flips: each of D's targets is swapped (real ↔ fake) with this "
                              "probability", step=0.01)
        self.d_dropout = fraction("Dropout in D's hidden layers: a noisier D that cannot memorise "
                                   "the real points or overpower G", hi=0.85)
        self.gp_weight = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=100.0, singleStep=0.1)
        self.gp_weight.setKeyboardTracking(False)
        self.gp_weight.setToolTip("λ of the gradient penalty λ·E(‖∇f(x̂)‖ − 1)², which keeps the "
                                  "WGAN critic 1-Lipschitz (WGAN-GP only)")
        rates = QHBoxLayout()
        rates.addWidget(QLabel("D"))
        rates.addWidget(self.lr_d, 1)
        rates.addWidget(QLabel("G"))
        rates.addWidget(self.lr_g, 1)
        opts = QHBoxLayout()
        opts.addWidget(QLabel("D"))
        opts.addWidget(self.opt_d, 1)
        opts.addWidget(QLabel("G"))
        opts.addWidget(self.opt_g, 1)
        kb = QHBoxLayout()
        kb.addWidget(self.k_d, 1)
        kb.addWidget(QLabel("batch"))
        kb.addWidget(self.batch, 1)
        tips = QGridLayout()
        for i, (label, w) in enumerate((("smoothing", self.smoothing), ("noisy", self.label_noise),
                                        ("flips", self.flip), ("D dropout", self.d_dropout))):
            name = QLabel(label)
            name.setToolTip(w.toolTip())
            tips.addWidget(name, i // 2, 2 * (i % 2))
            tips.addWidget(w, i // 2, 2 * (i % 2) + 1)
        tips.setColumnStretch(1, 1)
        tips.setColumnStretch(3, 1)
        tips.setHorizontalSpacing(6)
        for row in (rates, opts, kb):
            row.setSpacing(6)
        form.addRow("Loss", self.loss)
        form.addRow("k D-steps", kb)
        form.addRow("Rates", rates)
        form.addRow("Optimisers", opts)
        form.addRow("Labels", tips)
        form.addRow("GP weight λ", self.gp_weight)

    def _build_layers(self) -> None:
        self.layers_box = QGroupBox("Show")
        grid = QGridLayout(self.layers_box)
        self.layer_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(LAYERS):
            box = QCheckBox(f"{LAYER_NAMES[name]} ({i + 1})")
            keys.bind_button(box, keys.CHOOSE[i + 1])
            box.setToolTip(f"{LAYER_TIPS[name]}. Hidden layers are not computed. ({i + 1})")
            self.layer_boxes[name] = box
            grid.addWidget(box, i // 2, i % 2)

    def _connect(self) -> None:
        self.play_btn.clicked.connect(self.playRequested)
        self.step_btn.clicked.connect(lambda: self._step("both"))
        self.d_step_btn.clicked.connect(lambda: self._step("d"))
        self.g_step_btn.clicked.connect(lambda: self._step("g"))
        self.reset_btn.clicked.connect(self.resetRequested)
        self.load_btn.clicked.connect(self.loadPointsRequested)
        self.clear_btn.clicked.connect(self.clearDrawingRequested)
        self.save_image_btn.clicked.connect(self.saveImageRequested)
        self.save_ckpt_btn.clicked.connect(self.saveCheckpointRequested)
        self.open_ckpt_btn.clicked.connect(self.openCheckpointRequested)
        self.dataset.currentIndexChanged.connect(lambda _: self._dataset_changed())
        for w in (self.g_layers, self.g_width, self.d_layers, self.d_width, self.noise_dim, self.seed):
            w.valueChanged.connect(lambda _: self.architectureChanged.emit())
        self.noise.currentIndexChanged.connect(lambda _: self.architectureChanged.emit())
        for w in (self.k_d, self.lr_d, self.lr_g, self.batch, self.smoothing, self.label_noise,
                  self.flip, self.d_dropout, self.gp_weight):
            w.valueChanged.connect(lambda _: self.rulesChanged.emit())
        for w in (self.loss, self.opt_d, self.opt_g):
            w.currentIndexChanged.connect(lambda _: self.rulesChanged.emit())
        self.loss.currentIndexChanged.connect(lambda _: self._update_enabled())
        for box in self.layer_boxes.values():
            box.toggled.connect(lambda _: self.layersChanged.emit())

    def _step(self, kind: str) -> None:
        if self.step_btn.isEnabled():
            self.stepRequested.emit(kind)

    # ---------------------------------------------------------------- values
    def values(self) -> dict:
        return {"dataset": self.dataset.currentData(), "noise_dim": self.noise_dim.value(),
                "noise": self.noise.currentData(), "g_layers": self.g_layers.value(),
                "g_width": self.g_width.value(), "d_layers": self.d_layers.value(),
                "d_width": self.d_width.value(), "d_dropout": round(self.d_dropout.value(), 4),
                "loss": self.loss.currentData(), "k_d": self.k_d.value(),
                "lr_d": self.lr_d.value(), "lr_g": self.lr_g.value(),
                "opt_d": self.opt_d.currentData(), "opt_g": self.opt_g.currentData(),
                "batch_size": self.batch.value(), "smoothing": round(self.smoothing.value(), 4),
                "label_noise": round(self.label_noise.value(), 4),
                "flip": round(self.flip.value(), 4), "gp_weight": self.gp_weight.value(),
                "seed": self.seed.value(), "layers": sorted(self.layers())}

    def set_values(self, v: dict) -> None:
        """Apply saved values, skipping missing or invalid ones, without emitting signals."""
        if not isinstance(v, dict):
            return
        widgets = self.findChildren(QWidget)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            for combo, key in ((self.dataset, "dataset"), (self.noise, "noise"), (self.loss, "loss"),
                               (self.opt_d, "opt_d"), (self.opt_g, "opt_g")):
                i = combo.findData(v.get(key))
                if i >= 0:
                    combo.setCurrentIndex(i)
            for spin, key in ((self.noise_dim, "noise_dim"), (self.g_layers, "g_layers"),
                              (self.g_width, "g_width"), (self.d_layers, "d_layers"),
                              (self.d_width, "d_width"), (self.k_d, "k_d"),
                              (self.batch, "batch_size"), (self.seed, "seed")):
                value = v.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    spin.setValue(value)
            for spin, key in ((self.lr_d, "lr_d"), (self.lr_g, "lr_g"), (self.d_dropout, "d_dropout"),
                              (self.smoothing, "smoothing"), (self.label_noise, "label_noise"),
                              (self.flip, "flip"), (self.gp_weight, "gp_weight")):
                value = v.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and math.isfinite(value):
                    spin.setValue(float(value))
            layers = v.get("layers")
            if isinstance(layers, list):
                for name, box in self.layer_boxes.items():
                    box.setChecked(name in layers)
        finally:
            for w, was in zip(widgets, blocked):
                w.blockSignals(was)
        self._update_enabled()

    def layers(self) -> frozenset:
        return frozenset(n for n, box in self.layer_boxes.items() if box.isChecked())

    def model_config(self) -> GAN2DConfig:
        v = self.values()
        return GAN2DConfig(noise_dim=v["noise_dim"], noise=v["noise"], g_layers=v["g_layers"],
                           g_width=v["g_width"], d_layers=v["d_layers"], d_width=v["d_width"],
                           d_dropout=v["d_dropout"])

    def train_config(self) -> GAN2DTrainConfig:
        v = self.values()
        return GAN2DTrainConfig(loss=v["loss"], k_d=v["k_d"], lr_d=v["lr_d"], lr_g=v["lr_g"],
                                opt_d=v["opt_d"], opt_g=v["opt_g"], batch_size=v["batch_size"],
                                tricks=LabelTricks(v["smoothing"], v["label_noise"], v["flip"]),
                                gp_weight=v["gp_weight"], seed=v["seed"])

    def add_file_item(self, name: str) -> None:
        """The “File: name” entry for loaded points (selected, without a signal)."""
        i = self.dataset.findData(FILE)
        if i < 0:
            self.dataset.addItem("", FILE)
            i = self.dataset.count() - 1
        self.dataset.setItemText(i, f"File: {name}")
        self.dataset.blockSignals(True)
        self.dataset.setCurrentIndex(i)
        self.dataset.blockSignals(False)
        self._update_enabled()

    # ---------------------------------------------------------------- state
    def _dataset_changed(self) -> None:
        self._update_enabled()
        self.datasetChanged.emit(self.dataset.currentData())

    def _update_enabled(self) -> None:
        drawing = self.dataset.currentData() == DRAW
        self.clear_btn.setVisible(drawing)
        self.draw_hint.setVisible(drawing)
        bce = self.loss.currentData() != "wgan-gp"
        for w in (self.smoothing, self.label_noise, self.flip):
            w.setEnabled(bce)            # the Wasserstein critic has no targets to soften
        self.gp_weight.setEnabled(not bce)

    def set_running(self, running: bool) -> None:
        # the style's own media icons: the ⏸ glyph is missing from common fonts (a box)
        icon = (QStyle.StandardPixmap.SP_MediaPause if running
                else QStyle.StandardPixmap.SP_MediaPlay)
        self.play_btn.setIcon(self.style().standardIcon(icon))
        self.play_btn.setText("Pause" if running else "Play")
        for b in (self.step_btn, self.d_step_btn, self.g_step_btn):
            b.setEnabled(not running)

    def set_speed(self, step: int, steps_per_s: float | None) -> None:
        text = f"step {step:,}"
        if steps_per_s:
            text += f" · {steps_per_s:,.0f} steps/s"
        self.step_label.setText(text)
