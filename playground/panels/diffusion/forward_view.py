"""The forward process: noise schedules, and q(x_t | x_0) applied to a digit or your own image.

Dragging the slider must stay far below a frame, so the noise ε is drawn once per seed and a
move costs one vector op on 784 pixels, a histogram and a few setData calls. The comparison
of stepping with jumping runs T sequential steps over thousands of chains, so it runs as a
job and only when the schedule, T or the image changes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSizePolicy, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from models.data import load_dataset
from models.diffusion.forward import (alpha_bar_at, closed_form_xt, load_image_file, pixel_levels,
                                      snr_at, to_model, to_pixels)
from models.diffusion.schedules import SCHEDULES, alphas_cumprod_for, betas_for

from ... import keys
from ... import settings as app_settings
from ...widgets import ImageView
from ...worker import JobRunner
from ..autoencoder.panel import load_sample_images
from .forward_plots import HistogramPlot, MomentsPlot
from .forward_strip import StripBox
from ...playback_bar import PlaybackBar
from .schedule_plot import SCHEDULE_TIPS, SchedulePlots

SETTINGS_KEY = "diffusion/forward"
DEFAULTS = {"schedule": "linear", "T": 1000, "seed": 0, "index": 0,
            "strip": "0, 50, 100, 250, 500, 1000", "open_dir": ""}
T_RANGE = (10, 5000)
PREFS = app_settings.Setting(SETTINGS_KEY, {}, app_settings.record(
    schedule=app_settings.name, T=app_settings.integer(), seed=app_settings.integer(),
    index=app_settings.integer(), strip=app_settings.text(1000), open_dir=app_settings.path))
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm);;All files (*)"


class _FittedImage(ImageView):
    """An ImageView only as tall as its width needs, so its caption sits under the image."""

    def __init__(self, min_side: int, caption: str):
        super().__init__(min_side=min_side, caption=caption)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt name)
        return width + 20


class ForwardView(QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device = device    # unused: the forward process is numpy on the CPU
        self.prefs = {**DEFAULTS, **PREFS.get()}
        images, labels, _ = load_sample_images()
        self.images, self.labels = images, labels
        self.source_text = f"{len(images)} bundled held-out digits"
        self.data_dir, self._data_wanted = data_dir, bool(data_dir)
        self.file_name: str | None = None         # set while x_0 comes from the user's file
        self.x0_pixels = np.zeros((28, 28), np.float32)
        self.x0 = to_model(self.x0_pixels)
        self.noise = np.zeros((28, 28), np.float32)
        self.acp = np.ones(1)
        self._xt = np.empty((28, 28), np.float32)   # reused by every slider move
        self.data_runner = JobRunner(self)
        self._build()
        self._connect()
        self._apply_prefs()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.schedule_box = QComboBox()
        for i, name in enumerate(SCHEDULES):
            self.schedule_box.addItem(name, name)
            self.schedule_box.setItemData(i, SCHEDULE_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.schedule_box.setToolTip("The noise schedule β_1..β_T; the plots show all three")
        self.t_max = QSpinBox(minimum=T_RANGE[0], maximum=T_RANGE[1], singleStep=100)
        self.t_max.setKeyboardTracking(False)
        self.t_max.setToolTip("T, the number of diffusion steps (DDPM used 1000)")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed.setToolTip("The seed of the noise ε. It stays fixed while you drag, so every "
                             "x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε is an exact draw from q(x_t | x_0), "
                             "but neighbouring frames share ε, unlike a real step-by-step chain.")
        self.new_noise_btn = QPushButton("New noise")
        keys.bind_button(self.new_noise_btn, keys.NEW_NOISE, "Draw a fresh ε")
        self.end_note = QLabel()
        self.end_note.setToolTip("ᾱ_T should be near 0, so that x_T is (almost) pure noise and "
                                 "sampling can start from N(0, I)")
        bar = QHBoxLayout()
        for w in (QLabel("Schedule"), self.schedule_box, QLabel("T"), self.t_max, self.end_note):
            bar.addWidget(w)
        bar.addSpacing(20)
        for w in (QLabel("Noise seed"), self.seed, self.new_noise_btn):
            bar.addWidget(w)
        bar.addStretch(1)

        self.schedules = SchedulePlots()
        self.schedules.setMinimumWidth(300)

        self.clean = _FittedImage(min_side=100, caption="x₀")
        self.clean.setToolTip("The clean image x_0")
        self.image = _FittedImage(min_side=220, caption="x_t")
        self.image.setToolTip("x_t, shown with −1 as black and +1 as white (clipped)")
        images = QHBoxLayout()
        images.addWidget(self.clean, 1, Qt.AlignmentFlag.AlignBottom)
        images.addWidget(self.image, 3)
        self.info = QLabel()
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # its text changes on every slider move; a size that cannot change keeps that from
        # re-laying out (and repainting) the whole window each time
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.info.setFixedHeight(self.info.fontMetrics().height() + 6)
        self.playback = PlaybackBar(fps=60, label="t")
        self.playback.set_formatter(lambda i: f"t = {i}")
        self.playback.slider.setToolTip("t: drag, or use ←/→ and PgUp/PgDn; Space plays")
        self.index = QSpinBox(minimum=0)
        self.index.setToolTip("Which held-out digit is x_0")
        self.random_btn = QPushButton("Random")
        keys.bind_button(self.random_btn, keys.RANDOM, "A random held-out digit")
        self.open_btn = QPushButton("Open image…")
        keys.bind_button(self.open_btn, keys.LOAD_INPUT, "Use your own image: made greyscale, "
                         "light backgrounds inverted, cropped to the drawing and fitted into "
                         "28×28 like MNIST")
        self.source = QLabel()
        self.source.setWordWrap(True)
        source_row = QHBoxLayout()
        for w in (QLabel("Digit"), self.index, self.random_btn, self.open_btn):
            source_row.addWidget(w)
        centre = QWidget()
        cl = QVBoxLayout(centre)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addStretch(1)
        cl.addLayout(images)
        cl.addWidget(self.info)
        cl.addWidget(self.playback)
        cl.addLayout(source_row)
        cl.addWidget(self.source)
        cl.addStretch(1)

        self.histogram = HistogramPlot()
        self.moments = MomentsPlot()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.histogram)
        right.addWidget(self.moments)
        right.setSizes([240, 420])

        self.strip = StripBox(self.prefs["strip"])

        top = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.schedules, centre, right):
            top.addWidget(w)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 4)
        top.setStretchFactor(2, 4)
        top.setSizes([400, 480, 480])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.strip)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(split, 1)

    def _connect(self) -> None:
        self.schedule_box.currentIndexChanged.connect(lambda _: self._schedule_changed())
        self.t_max.valueChanged.connect(self._T_changed)
        self.seed.valueChanged.connect(self._seed_changed)
        self.new_noise_btn.clicked.connect(self.new_noise)
        self.playback.frameChanged.connect(self._show_t)
        self.schedules.tPicked.connect(self.set_t)
        self.strip.tPicked.connect(self.set_t)
        self.strip.timesEdited.connect(lambda text: self._save(strip=text))
        self.strip.message.connect(self.message)
        self.index.valueChanged.connect(self.set_index)
        self.random_btn.clicked.connect(self.random_digit)
        self.open_btn.clicked.connect(lambda: self.open_image())
        self.data_runner.finished.connect(self._data_loaded)
        self.data_runner.failed.connect(self._data_failed)

    def _apply_prefs(self) -> None:
        p = self.prefs
        for w in (self.schedule_box, self.t_max, self.seed, self.index):
            w.blockSignals(True)
        self.schedule_box.setCurrentIndex(max(0, self.schedule_box.findData(p["schedule"])))
        self.t_max.setValue(p["T"])
        self.seed.setValue(p["seed"])
        for w in (self.schedule_box, self.t_max, self.seed, self.index):
            w.blockSignals(False)
        p["T"] = self.T   # a stored T out of range was clamped
        self._update_noise()
        self._update_schedule()
        self.playback.set_count(self.T + 1)
        self._set_source_range()
        self.set_index(min(max(0, p["index"]), len(self.images) - 1), force=True)

    # ------------------------------------------------------------------ state
    @property
    def schedule(self) -> str:
        return self.schedule_box.currentData()

    @property
    def T(self) -> int:
        return self.t_max.value()

    def t(self) -> int:
        return self.playback.index()

    def current_image(self) -> np.ndarray:
        """x_t as displayed: 28×28 pixels in [0, 1]."""
        return np.asarray(self.image.image(), np.float32).copy()

    def _save(self, **changes) -> None:
        self.prefs.update(changes)
        PREFS.set(self.prefs)

    def set_t(self, t: int) -> None:
        self.playback.set_index(t)

    def _show_t(self, t: int) -> None:
        """The slider path: no allocation beyond one 28×28 conversion."""
        t = min(int(t), self.T)
        xt = closed_form_xt(self.x0, t, self.acp, self.noise, out=self._xt)
        a = alpha_bar_at(t, self.acp)
        self.image.set_image(to_pixels(xt))
        self.image.set_caption(f"x_{t}")
        self.histogram.update_values(xt, a)
        self.schedules.set_t(t)
        self.moments.set_t(t)
        if t == 0:
            self.info.setText("t = 0: the clean image x₀ (ᾱ₀ = 1, no noise)")
        else:
            snr = snr_at(t, self.acp)
            self.info.setText(f"t = <b>{t}</b> / {self.T} &nbsp; ᾱ<sub>t</sub> = {a:.4f} &nbsp; "
                              f"SNR = {snr:.3g} &nbsp; (log SNR = {np.log(snr):+.2f})")

    def _update_schedule(self) -> None:
        self.acp = alphas_cumprod_for(betas_for(self.schedule, self.T))
        self.schedules.set_schedules(self.schedule, self.T)
        self.strip.export_name = f"forward-{self.schedule}-T{self.T}.png"
        end = float(self.acp[-1])
        if end > 0.01:
            self.end_note.setText(f"<span style='color:#c26a00'>ᾱ<sub>T</sub> = {end:.2f}: "
                                  "x<sub>T</sub> still holds the image</span>")
        else:
            self.end_note.setText(f"<span style='color:#666'>ᾱ<sub>T</sub> = {end:.1e}</span>")

    def _update_noise(self) -> None:
        self.noise = np.random.default_rng(self.seed.value()).standard_normal((28, 28)).astype(np.float32)

    def _refresh(self) -> None:
        """After x_0, ε, the schedule or T changed: redraw everything that depends on them."""
        self.strip.set_source(self.x0, self.acp, self.noise)
        self._show_t(self.t())

    def _schedule_changed(self) -> None:
        self._update_schedule()
        self._refresh()
        self._queue_moments()
        self._save(schedule=self.schedule)

    def _T_changed(self, T: int) -> None:
        old_T = max(1, self.prefs["T"])
        t = round(self.t() * T / old_T)  # keep the same fraction of the way
        self.strip.rescale(old_T, T)
        self._update_schedule()
        self.playback.blockSignals(True)
        self.playback.set_count(T + 1, keep=True)
        self.playback.set_index(t)
        self.playback.blockSignals(False)
        self._refresh()
        self._queue_moments()
        self._save(T=T, strip=self.strip.edit.text())

    def _seed_changed(self, seed: int) -> None:
        self._update_noise()
        self._refresh()
        self._save(seed=seed)

    def new_noise(self) -> None:
        self.seed.setValue((self.seed.value() + 1) % (2**31))

    # ------------------------------------------------------------------ x_0
    def _set_x0(self, pixels: np.ndarray) -> None:
        self.x0_pixels = np.asarray(pixels, np.float32)
        self.x0 = to_model(self.x0_pixels)
        self.clean.set_image(self.x0_pixels)
        self.histogram.set_levels(*pixel_levels(self.x0))
        self._refresh()
        self._queue_moments()

    def _set_source_range(self) -> None:
        self.index.blockSignals(True)
        self.index.setMaximum(len(self.images) - 1)
        self.index.blockSignals(False)

    def set_index(self, i: int, force: bool = False) -> None:
        """Use held-out digit i as x_0."""
        i = min(max(0, int(i)), len(self.images) - 1)
        if not force and self.file_name is None and i == self.prefs["index"] and i == self.index.value():
            return
        self.file_name = None
        self.index.blockSignals(True)
        self.index.setValue(i)
        self.index.blockSignals(False)
        self.source.setText(f"Digit #{i}, a {int(self.labels[i])}, of {self.source_text}.")
        self._set_x0(self.images[i].astype(np.float32) / 255.0)
        self._save(index=i)

    def random_digit(self) -> None:
        rng = np.random.default_rng()
        i = int(rng.integers(len(self.images) - 1))
        self.set_index(i + (i >= self.index.value()), force=True)   # never the same one

    def open_image(self, path: str | None = None) -> bool:
        """Use an image file as x_0; on failure say why and keep the current image."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open image", self.prefs["open_dir"], IMAGE_FILTER)
        if not path:
            return False
        try:
            pixels = load_image_file(path)
        except (ValueError, OSError, MemoryError) as exc:
            QMessageBox.warning(self, "Cannot open image", str(exc))
            return False
        self.file_name = Path(path).name
        self.source.setText(f"Your image {self.file_name}, fitted into 28×28. "
                            "Pick a digit number to go back to the test set.")
        self._set_x0(pixels)
        self._save(open_dir=str(Path(path).parent))
        self.message.emit(f"Opened {path}")
        return True

    def export_strip(self, path: str | None = None) -> bool:
        """Save the strip as a PNG (asks where if `path` is None)."""
        return self.strip.export(path)

    # ------------------------------------------------------------------ stepping vs jumping
    def _queue_moments(self) -> None:
        starts, names = self._moment_starts()
        self.moments.request(starts, names, betas_for(self.schedule, self.T))

    def _moment_starts(self) -> tuple[list[float], list[str]]:
        hi, lo = float(self.x0.max()), float(self.x0.min())
        if hi - lo < 0.05:
            return [hi], [f"x₀ = {hi:+.2f} (every pixel)"]
        return [hi, lo], [f"x₀ = {hi:+.2f} (brightest pixel)", f"x₀ = {lo:+.2f} (darkest pixel)"]

    # ------------------------------------------------------------------ data folder
    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir, self._data_wanted = data_dir, bool(data_dir)
        if not data_dir:
            images, labels, _ = load_sample_images()
            self._use_digits(images, labels, f"{len(images)} bundled held-out digits")
        elif self.isVisible():
            self._load_data()

    def _load_data(self) -> None:
        if self.data_runner.busy or not self._data_wanted:
            return
        self._data_wanted = False
        folder = self.data_dir

        def job():
            yield f"Reading MNIST from {folder}"
            ds = load_dataset("mnist", folder)
            return folder, ds.test.images, ds.test.labels, f"{len(ds.test)} held-out MNIST digits"
        self.data_runner.start(job)

    def _data_loaded(self, result) -> None:
        if result is not None and result[0] == self.data_dir:
            folder, images, labels, text = result
            if len(images):
                self._use_digits(images, labels, text)
                self.message.emit(f"Forward process: digits from {folder}")
            else:
                self.message.emit(f"Forward process: {folder} has no held-out digits; "
                                  "using the bundled ones")
        self._load_data()   # the folder changed while this one was read

    def _data_failed(self, msg: str) -> None:
        self.message.emit(f"Forward process: using the bundled digits ({msg})")
        self._load_data()

    def _use_digits(self, images: np.ndarray, labels: np.ndarray, text: str) -> None:
        self.images, self.labels, self.source_text = images, labels, text
        self._set_source_range()
        if self.file_name is None:
            self.set_index(min(self.index.value(), len(images) - 1), force=True)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._load_data()

    # ------------------------------------------------------------------ lifecycle
    def set_device(self, device: str) -> None:
        """The forward process is numpy on the CPU; nothing to move."""

    def shutdown(self) -> bool:
        self.playback.pause()
        return all([self.moments.shutdown(), self.data_runner.shutdown()])
