"""The sampling controls of the reverse-process view: sampler, S, η, noise, class, guidance."""
from __future__ import annotations

import random

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QProgressBar, QPushButton, QSlider, QSpinBox, QVBoxLayout,
                               QWidget)

from models.diffusion.scheduler import spaced_timesteps

from ... import keys
from ...widgets import format_duration
from .jobs import EACH_CLASS, SampleParams

MAX_IMAGES = 64
MAX_SEED = 2**31 - 1


def steps_tip(T: int, S: int) -> str:
    """What S does, with the timesteps the sampler will really visit (1-based, like the papers)."""
    S = max(1, min(int(S), T))
    ts = [int(t) + 1 for t in spaced_timesteps(T, S)]
    shown = ", ".join(map(str, ts)) if len(ts) <= 5 else \
        f"{ts[0]}, {ts[1]}, …, {ts[-2]}, {ts[-1]}"
    return (f"S, the number of DDIM steps (1 … T = {T}): S evenly spaced timesteps from t = T "
            f"down to t = T/S, then one jump to x₀. Here S = {S}: t = {shown}, then x₀. "
            f"One ε̂ evaluation per step (two under guidance).")


class _SliderSpin(QWidget):
    """A slider and a spin box for one float, kept in step (slider in units of `step`)."""

    def __init__(self, maximum: float, step: float, decimals: int, value: float, tip: str):
        super().__init__()
        self._step = step
        self.spin = QDoubleSpinBox(decimals=decimals, minimum=0.0, maximum=maximum, singleStep=step)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round(maximum / step))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        self.slider.valueChanged.connect(lambda v: self.spin.setValue(v * self._step))
        self.spin.valueChanged.connect(self._spin_moved)
        self.setToolTip(tip)
        self.spin.setValue(value)

    def _spin_moved(self, v: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(v / self._step))
        self.slider.blockSignals(False)

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, v: float) -> None:  # noqa: N802 (Qt style, like the widgets it wraps)
        self.spin.setValue(v)


class SamplingControls(QWidget):
    sampleRequested = Signal()
    compareRequested = Signal()
    guidanceRequested = Signal()
    stopRequested = Signal()
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._T = 1000
        self._conditional = False
        self._available = False
        self._busy = False
        self._label_choice: int | str | None = EACH_CLASS   # what the user last picked
        box = QGroupBox("Sampling")
        form = QFormLayout(box)
        self.sampler = QComboBox()
        self.sampler.addItem("DDIM", "ddim")
        self.sampler.addItem("DDPM (Algorithm 2)", "ddpm")
        self.sampler.setToolTip("DDPM: ancestral sampling through all T steps, fresh noise at each.\n"
                                "DDIM: S evenly spaced steps; η = 0 is deterministic, η = 1 is "
                                "DDPM-like.")
        self.steps = QSpinBox(minimum=1, maximum=self._T, value=50)
        self.eta = _SliderSpin(1.0, 0.05, 2, 0.0, "")
        self.count = QSpinBox(minimum=1, maximum=MAX_IMAGES, value=16)
        self.count.setToolTip("How many images to sample at once (the grids show all of them)")
        self.seed = QSpinBox(minimum=0, maximum=MAX_SEED, value=0)
        self.seed.setToolTip("The seed fixes x_T and every step's noise: the same seed gives the "
                             "same chain, so you can change one setting and compare.")
        self.new_noise = QPushButton("New noise")
        keys.bind_button(self.new_noise, keys.NEW_NOISE, "Pick a new random seed, i.e. a new x_T")
        self.new_noise.clicked.connect(self.reseed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.new_noise)
        self.label = QComboBox()
        self.guidance = _SliderSpin(10.0, 0.5, 1, 3.0, "")
        for text, w in (("Sampler", self.sampler), ("Steps S", self.steps), ("η (noise)", self.eta),
                        ("Images", self.count), ("Seed", seed_row), ("Class", self.label),
                        ("Guidance w", self.guidance)):
            form.addRow(text, w)
        self._fill_labels(())

        self.sample_btn = QPushButton("Sample chain")
        keys.bind_button(self.sample_btn, keys.SAMPLE)
        self.compare_btn = QPushButton("DDPM vs DDIM")
        keys.bind_button(self.compare_btn, keys.COMPARE)
        self.guidance_btn = QPushButton("Guidance grid")
        keys.bind_button(self.guidance_btn, keys.GRID)
        self.stop_btn = QPushButton("Stop")
        keys.bind_button(self.stop_btn, keys.CANCEL, "Stop sampling after the current step; "
                         "finished frames stay")
        self.sample_btn.clicked.connect(self.sampleRequested)
        self.compare_btn.clicked.connect(self.compareRequested)
        self.guidance_btn.clicked.connect(self.guidanceRequested)
        self.stop_btn.clicked.connect(self.stopRequested)
        self.sample_btn.setDefault(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        lay.addWidget(self.sample_btn)
        row = QHBoxLayout()
        row.addWidget(self.compare_btn)
        row.addWidget(self.guidance_btn)
        lay.addLayout(row)
        lay.addWidget(self.stop_btn)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addStretch(1)
        # _fill_labels blocks signals, so only the user's (or a caller's) choice is remembered
        self.label.currentIndexChanged.connect(
            lambda i: setattr(self, "_label_choice", self.label.itemData(i)))
        for sig in (self.sampler.currentIndexChanged, self.label.currentIndexChanged,
                    self.steps.valueChanged):   # the S tooltip names the actual timesteps
            sig.connect(self._update_enabled)
        for sig in (self.sampler.currentIndexChanged, self.steps.valueChanged,
                    self.eta.spin.valueChanged, self.count.valueChanged, self.seed.valueChanged,
                    self.label.currentIndexChanged, self.guidance.spin.valueChanged):
            sig.connect(self.changed)
        self._update_enabled()

    # ------------------------------------------------------------------ model
    def set_model(self, model) -> None:
        """Fit the controls to a model (its T and classes); None means there is none to use."""
        self._available = model is not None
        if model is not None:
            self._T = model.config.timesteps
            self._conditional = model.conditional
            self.steps.setMaximum(self._T)
            self._fill_labels(model.classes if model.conditional else ())
        self._update_enabled()

    def _fill_labels(self, classes) -> None:
        keep = self._label_choice
        self.label.blockSignals(True)
        self.label.clear()
        self.label.addItem("Unconditional (no label)", None)
        if classes:
            self.label.addItem("Each class in turn", EACH_CLASS)
            for i, name in enumerate(classes):
                self.label.addItem(f"{i} · {name}" if name != str(i) else name, i)
        i = self.label.findData(keep)
        self.label.setCurrentIndex(i if i >= 0 else (1 if classes else 0))
        self.label.blockSignals(False)

    def _update_enabled(self) -> None:
        ddim = self.sampler.currentData() == "ddim"
        usable = self._available and not self._busy
        ddim_tip = ("" if ddim else "\nDisabled: DDPM always runs all T steps with σ_t² = β_t. "
                    "Switch to DDIM to change S and η (the DDPM vs DDIM comparison uses them "
                    "for its DDIM side).")
        self.steps.setEnabled(ddim)
        self.steps.setToolTip(steps_tip(self._T, self.steps.value()) + ddim_tip)
        self.eta.setEnabled(ddim)
        self.eta.setToolTip("η scales the fresh noise of each DDIM step: 0 is deterministic "
                            "(an ODE), 1 matches DDPM's posterior variance." + ddim_tip)
        labelled = self.label.currentData() is not None
        self.label.setEnabled(self._conditional)
        self.label.setToolTip("Which class to ask for (a class-conditional model only)." if
                              self._conditional else "Disabled: this model is unconditional; "
                              "train or open a class-conditional one for classes and guidance.")
        self.guidance.setEnabled(self._conditional and labelled)
        if not self._conditional:
            tip = "Disabled: this model is unconditional, so there is nothing to guide."
        elif not labelled:
            tip = "Disabled: guidance needs a class; pick one (or 'Each class in turn')."
        else:
            tip = "Classifier-free guidance w: ε̂ = (1 + w) ε̂(x, y) − w ε̂(x, ∅). Higher w: " \
                  "more class-typical, less diverse. w = 0 is the plain conditional model."
        self.guidance.setToolTip(tip)
        for b in (self.sample_btn, self.compare_btn):
            b.setEnabled(usable)
        self.guidance_btn.setEnabled(usable and self._conditional)
        self.sample_btn.setToolTip(keys.tip("Run the reverse chain and record every step",
                                            keys.SAMPLE))
        self.compare_btn.setToolTip(keys.tip(
            f"DDPM with all {self._T} steps and DDIM with S steps from the same x_T, "
            "counting the network evaluations of each, wall times beside", keys.COMPARE))
        self.guidance_btn.setToolTip(
            keys.tip("Rows of guidance scales, columns of samples from the same noise", keys.GRID)
            if self._conditional else "Disabled: guidance needs a class-conditional model.")
        self.stop_btn.setEnabled(self._busy)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_enabled()

    def reseed(self) -> None:
        self.seed.setValue(random.randint(0, MAX_SEED))

    # ------------------------------------------------------------------ values
    def params(self) -> SampleParams:
        label = self.label.currentData() if self._conditional else None
        return SampleParams(sampler=self.sampler.currentData(), steps=self.steps.value(),
                            eta=round(self.eta.value(), 4), n=self.count.value(),
                            seed=self.seed.value(), label=label,
                            guidance=round(self.guidance.value(), 4) if label is not None else 0.0)

    def values(self) -> dict:
        return {"sampler": self.sampler.currentData(), "steps": self.steps.value(),
                "eta": self.eta.value(), "n": self.count.value(), "seed": self.seed.value(),
                "label": self._label_choice, "guidance": self.guidance.value()}

    def set_values(self, v: dict) -> None:
        if not isinstance(v, dict):
            return
        i = self.sampler.findData(v.get("sampler"))
        if i >= 0:
            self.sampler.setCurrentIndex(i)
        for w, key, cast in ((self.steps, "steps", int), (self.eta, "eta", float),
                             (self.count, "n", int), (self.seed, "seed", int),
                             (self.guidance, "guidance", float)):
            try:
                w.setValue(cast(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass
        if "label" in v and (v["label"] is None or v["label"] == EACH_CLASS
                             or isinstance(v["label"], int)):
            self._label_choice = v["label"]
            i = self.label.findData(v["label"])
            if i >= 0:
                self.label.setCurrentIndex(i)
        self._update_enabled()

    # ------------------------------------------------------------------ progress
    def show_progress(self, done: int, total: int, elapsed_s: float, what: str) -> None:
        self.progress.setValue(int(1000 * done / max(1, total)))
        eta = elapsed_s * (total - done) / done if done else float("nan")
        self.status.setText(f"{what}: step {done} / {total} · {format_duration(elapsed_s)} "
                            f"elapsed · ETA {format_duration(eta)}")

    def set_status(self, text: str, fraction: float | None = None) -> None:
        self.status.setText(text)
        if fraction is not None:
            self.progress.setValue(int(1000 * fraction))
