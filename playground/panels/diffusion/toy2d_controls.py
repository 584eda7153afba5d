"""The control column of the 2-D particle view: data, training, particles, display, export."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from models.diffusion.schedules import SCHEDULES
from models.events import Step

from ... import keys
from ...train_block import TrainBlock

DRAW = "draw"
DATASET_NAMES = {"moons": "Two moons", "swiss-roll": "Swiss roll", "8-gaussians": "8 Gaussians",
                 DRAW: "Draw your own"}
TRAILS = {"whole": "Whole paths", "recent": "Last 10 steps", "off": "Off"}
ARROWS = {"score": "Score ∇log p_t = −ε̂/σ_t", "eps": "Predicted noise ε̂", "off": "No arrows"}
DEFAULTS = {"dataset": "moons", "schedule": "linear", "timesteps": 100, "train_steps": 1500,
            "particles": 1000, "seed": 0, "trails": "whole", "arrows": "score", "arrows_on_particles": False,
            "colour_by_start": True, "link_time": True}


def _button(text: str, action: keys.Action, tip: str) -> QPushButton:
    b = QPushButton(text)
    keys.bind_button(b, action, tip)
    return b


class Toy2DControls(QWidget):
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()
    generateRequested = Signal()
    newNoiseRequested = Signal()
    clearDrawingRequested = Signal()
    datasetChanged = Signal(str)
    modelSettingsChanged = Signal()
    displayChanged = Signal()
    saveImageRequested = Signal()
    savePathsRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        data = QGroupBox("Data")
        form = QFormLayout(data)
        self.dataset = QComboBox()
        for key, name in DATASET_NAMES.items():
            self.dataset.addItem(name, key)
        self.dataset.setToolTip("The 2-D distribution to learn. “Draw your own”: click and drag on "
                                "the left plot; each stroke adds points along it.")
        self.clear_btn = _button("Clear drawing", keys.CLEAR, "Erase your drawing")
        self.draw_hint = QLabel("Click and drag on the left plot to draw.")
        self.draw_hint.setWordWrap(True)
        self.draw_hint.setStyleSheet("color: #a33;")
        form.addRow("Dataset", self.dataset)
        form.addRow(self.clear_btn)
        form.addRow(self.draw_hint)

        model = QGroupBox("Model (MLP denoiser, 3×128)")
        form = QFormLayout(model)
        self.schedule = QComboBox()
        self.schedule.addItems(list(SCHEDULES))
        self.schedule.setToolTip("The noise schedule β_t. Linear and quadratic are stretched to T so "
                                 "that x_T is pure noise for any T.")
        self.timesteps = QSpinBox(minimum=20, maximum=1000, singleStep=10)
        self.timesteps.setToolTip("T, the number of diffusion steps; also the number of frames "
                                  "the particles take to denoise")
        self.train_steps = QSpinBox(minimum=100, maximum=50_000, singleStep=500)
        self.train_steps.setToolTip("Optimiser steps of 512 points each")
        form.addRow("Schedule", self.schedule)
        form.addRow("Steps T", self.timesteps)
        form.addRow("Training steps", self.train_steps)
        self.block = TrainBlock("Train a fresh denoiser on this data",
                                "Stop training and keep the weights so far",
                                ready="Press Train: a few seconds on a CPU.")
        self.block.lend_to(self)      # train_btn, pause_btn, stop_btn, progress, status
        form.addRow(self.block)

        parts = QGroupBox("Particles")
        form = QFormLayout(parts)
        self.particles = QSpinBox(minimum=10, maximum=5000, singleStep=100)
        self.particles.setToolTip("How many particles start from x_T ~ N(0, I)")
        self.seed = QSpinBox(minimum=0, maximum=1_000_000)
        self.seed.setToolTip("Seed of the starting noise x_T and of the DDPM sampler's noise")
        form.addRow("Particles", self.particles)
        form.addRow("Seed", self.seed)
        self.generate_btn = _button("Generate", keys.SAMPLE, "Run both samplers from the same x_T")
        self.new_noise_btn = _button("New noise", keys.NEW_NOISE, "Next seed, then generate")
        row = QHBoxLayout()
        row.addWidget(self.generate_btn)
        row.addWidget(self.new_noise_btn)
        form.addRow(row)

        show = QGroupBox("Show")
        form = QFormLayout(show)
        self.arrows = QComboBox()
        for key, name in ARROWS.items():
            self.arrows.addItem(name, key)
        self.arrows.setToolTip("The learned field at the current t. The score points towards the "
                               "data; ε̂ points away from it. Lengths grow with √|v| and are "
                               "normalised per frame.")
        form.addRow("Arrows", self.arrows)
        self.trails = QComboBox()
        for key, name in TRAILS.items():
            self.trails.addItem(name, key)
        self.trails.setToolTip("Trajectories of 40 of the particles, the same ones in both plots "
                               f"({keys.CYCLE.native()} cycles)")
        self._cycle = keys.shortcut(keys.CYCLE, self, lambda: self.trails.setCurrentIndex(
            (self.trails.currentIndex() + 1) % self.trails.count()), "Cycle the trajectories shown")
        form.addRow("Trajectories", self.trails)
        self.arrows_on_particles = QCheckBox("Arrows on the particle plots too")
        self.colour_by_start = QCheckBox(f"Colour particles by where they start "
                                         f"({keys.COLOUR.native()})")
        keys.bind_button(self.colour_by_start, keys.COLOUR)
        self.colour_by_start.setToolTip("Hue = direction of x_T. The ODE keeps neighbours together, "
                                        "so colours stay in bands; the SDE mixes them.")
        self.link_time = QCheckBox("Link the forward t to the playback")
        self.link_time.setToolTip("While particles play, the left plot shows q(x_t) at the same t, "
                                  "which the particles should match in distribution")
        for w in (self.arrows_on_particles, self.colour_by_start, self.link_time):
            form.addRow(w)

        self.save_image_btn = _button("Save image…", keys.EXPORT, "Save the three plots as a PNG")
        self.save_paths_btn = _button("Save paths…", keys.EXPORT_MORE,
                                      "Save x_T and both trajectories as a NumPy .npz file")
        row = QHBoxLayout()
        row.addWidget(self.save_image_btn)
        row.addWidget(self.save_paths_btn)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (data, model, parts, show):
            lay.addWidget(w)
        lay.addLayout(row)
        lay.addStretch(1)

        self.generate_btn.clicked.connect(self.generateRequested)
        self.new_noise_btn.clicked.connect(self.newNoiseRequested)
        self.clear_btn.clicked.connect(self.clearDrawingRequested)
        self.save_image_btn.clicked.connect(self.saveImageRequested)
        self.save_paths_btn.clicked.connect(self.savePathsRequested)
        self.dataset.currentIndexChanged.connect(lambda _: self._dataset_changed())
        self.schedule.currentIndexChanged.connect(lambda _: self.modelSettingsChanged.emit())
        self.timesteps.valueChanged.connect(lambda _: self.modelSettingsChanged.emit())
        for box in (self.arrows_on_particles, self.colour_by_start, self.link_time):
            box.toggled.connect(lambda _: self.displayChanged.emit())
        for combo in (self.arrows, self.trails):
            combo.currentIndexChanged.connect(lambda _: self.displayChanged.emit())
        self.set_values(DEFAULTS)
        self.set_state("idle")

    # ---------------------------------------------------------------- values
    def values(self) -> dict:
        return {"dataset": self.dataset.currentData(), "schedule": self.schedule.currentText(),
                "timesteps": self.timesteps.value(), "train_steps": self.train_steps.value(),
                "particles": self.particles.value(), "seed": self.seed.value(),
                "trails": self.trails.currentData(), "arrows": self.arrows.currentData(),
                "arrows_on_particles": self.arrows_on_particles.isChecked(),
                "colour_by_start": self.colour_by_start.isChecked(),
                "link_time": self.link_time.isChecked()}

    def set_values(self, v: dict) -> None:
        """Apply saved values, skipping any that are missing or invalid, without signals."""
        widgets = [self.dataset, self.schedule, self.timesteps, self.train_steps, self.particles,
                   self.seed, self.trails, self.arrows, self.arrows_on_particles,
                   self.colour_by_start, self.link_time]
        for w in widgets:
            w.blockSignals(True)
        try:
            for combo, key in ((self.dataset, "dataset"), (self.arrows, "arrows"),
                               (self.trails, "trails")):
                i = combo.findData(v.get(key))
                if i >= 0:
                    combo.setCurrentIndex(i)
            if v.get("schedule") in SCHEDULES:
                self.schedule.setCurrentText(v["schedule"])
            for spin, key in ((self.timesteps, "timesteps"), (self.train_steps, "train_steps"),
                              (self.particles, "particles"), (self.seed, "seed")):
                if isinstance(v.get(key), int) and not isinstance(v.get(key), bool):
                    spin.setValue(v[key])
            for box, key in ((self.arrows_on_particles, "arrows_on_particles"),
                             (self.colour_by_start, "colour_by_start"), (self.link_time, "link_time")):
                if isinstance(v.get(key), bool):
                    box.setChecked(v[key])
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._show_draw_widgets()

    def _dataset_changed(self) -> None:
        self._show_draw_widgets()
        self.datasetChanged.emit(self.dataset.currentData())

    def _show_draw_widgets(self) -> None:
        drawing = self.dataset.currentData() == DRAW
        self.clear_btn.setVisible(drawing)
        self.draw_hint.setVisible(drawing)

    # ---------------------------------------------------------------- state
    def set_state(self, state: str) -> None:
        """"idle", "running", "pausing" or "paused", as the training runner says."""
        self.block.set_state(state)
        busy = state != "idle"
        for w in (self.dataset, self.schedule, self.timesteps, self.train_steps, self.clear_btn):
            w.setEnabled(not busy)

    def set_have_model(self, have: bool) -> None:
        for w in (self.generate_btn, self.new_noise_btn):
            w.setEnabled(have)

    def set_have_paths(self, have: bool) -> None:
        self.save_paths_btn.setEnabled(have)

    def show_step(self, ev: Step) -> None:
        self.block.show_step(ev, f"loss {ev.losses['loss']:.3f} · "
                                 f"{ev.images_per_s / 1000:,.0f}k points/s")
