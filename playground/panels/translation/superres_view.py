"""The Super-resolution view: one low-resolution picture, upscaled 4× three ways, side by side.

Panes: the input (enlarged with square pixels, so you see what the models were given),
bicubic interpolation, SRResNet (trained on the pixel MSE) and SRGAN (content loss on
features + 10⁻³ × adversarial), and the truth when it is known. Under each output: PSNR and
SSIM against the truth when there is one, and a sharpness figure always (quality.py). One
zoom drives all panes (sr_zoom.py): the wheel, a drag, Ctrl+= / Ctrl+− on any of them, Fit
(Ctrl+0) to see everything again.

Inputs (sr_input.py has the rule): a random held-out landscape (its 32-px block means, truth
128 px), a picture file (up to 64 px as it is, larger ones shrunk), or the painter's picture
handed over (paint → pix2pix 64 px → SRGAN 256 px). Models: the shipped landscapes-srresnet
and landscapes-srgan, or any superres checkpoint opened (it replaces the pane its kind names).
Upscaling runs on a thread, the newest request winning (sr_upscaler.py).
"""
from __future__ import annotations

import random
from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox,
                               QPushButton, QSizePolicy, QVBoxLayout, QWidget)

from models import CheckpointError, load_checkpoint
from models.translation.api import SRModel

from ... import keys
from ... import settings as app_settings
from ...widgets import ask_checkpoint, ask_save_path, save_widget_png, write_or_warn
from .. import CHECKPOINTS
from ..model_source import training_facts
from .sr_input import HR_SIZE, MAX_LOW, SCALE, LowRes, from_array, held_out, open_low_res
from .sr_upscaler import BICUBIC, Upscaler
from .sr_zoom import WHEEL_STEP, ZoomGroup, ZoomPane

KINDS = ("SRResNet", "SRGAN")
SHIPPED = {"SRResNet": "landscapes-srresnet", "SRGAN": "landscapes-srgan"}
OUTPUTS = (BICUBIC, *KINDS)
HELD_OUT_COUNT = 10_000          # "Random" picks one of the first 10,000 held-out seeds

HELD_OUT = app_settings.Setting("superres/held_out", 0, app_settings.integer(0, HELD_OUT_COUNT - 1))
INPUT_FILE = app_settings.Setting("superres/input_file", "", app_settings.path, kind="str")
SOURCE = app_settings.Setting("superres/source", "held_out", app_settings.one_of("held_out", "file"))
MODEL_PATHS = {kind: app_settings.Setting(f"superres/model_{kind.lower()}", "", app_settings.path,
                                          kind="str") for kind in KINDS}
OPEN_DIR = app_settings.Setting("superres/open_dir", "", app_settings.path, kind="str")
IMAGE_DIR = app_settings.Setting("superres/image_dir", "", app_settings.path, kind="str")
EXPORT_DIR = app_settings.Setting("superres/export_dir", "", app_settings.path, kind="str")
EXPORT_PANE = app_settings.Setting("superres/export_pane", "SRGAN", app_settings.one_of(*OUTPUTS))

PANE_TIPS = {
    "input": "What the models are given, enlarged with square pixels so you can count them. "
             "Wheel: zoom all panes · drag: pan · double-click: fit",
    BICUBIC: "Bicubic interpolation: a smooth cubic through the neighbouring pixels. No "
             "learning; the baseline every method must beat",
    "SRResNet": "SRResNet trained on the pixel MSE: the best PSNR, and the blur of the average "
                "of all textures that fit the input",
    "SRGAN": "SRGAN: the same network trained on a feature (content) loss plus 10⁻³ × an "
             "adversarial one: sharper textures, often a lower PSNR",
    "truth": "The photo the input was shrunk from (known for held-out landscapes only)",
}


def _slot_of(model) -> str:
    return model.kind if model.kind in KINDS else "SRResNet"


class SuperResView(QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None, parent=None):
        super().__init__(parent)
        self.device = device            # upscaling runs on the CPU: these networks are small
        self.low: LowRes | None = None
        self.models: dict[str, SRModel | None] = {k: None for k in KINDS}
        self.model_notes: dict[str, str] = {k: "" for k in KINDS}   # why a slot is empty
        self.model_names: dict[str, str] = {k: "" for k in KINDS}
        self.outputs: dict[str, np.ndarray] = {}
        self.numbers: dict[str, dict] = {}
        self._shown_id = 0
        self.upscaler = Upscaler(self)
        self.upscaler.output.connect(self._on_output)
        self.upscaler.failed.connect(self._on_failed)
        self.upscaler.finished.connect(self._on_finished)
        self._build()
        for kind in KINDS:
            self._restore_model(kind)
        self._show_models()
        self._restore_input()

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.random_btn = QPushButton("Random held-out landscape")
        keys.bind_button(self.random_btn, keys.RANDOM,
                         "A landscape photo none of the models trained on, shrunk 4× to "
                         f"{HR_SIZE // SCALE} px: the truth is known, so PSNR and SSIM can be "
                         "measured")
        self.random_btn.clicked.connect(self.random_example)
        self.open_btn = QPushButton("Open image…")
        keys.bind_button(self.open_btn, keys.LOAD_INPUT,
                         f"Upscale a picture of yours: up to {MAX_LOW}×{MAX_LOW} px it is taken "
                         f"as it is; a larger one is shrunk to {MAX_LOW} px on its long side "
                         "(area averaging); transparency goes on white")
        self.open_btn.clicked.connect(lambda: self.open_image())
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.addWidget(self.random_btn)
        top.addWidget(self.open_btn)
        top.addSpacing(8)
        top.addWidget(self.source, 1)

        self.model_info = QLabel()
        self.model_info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.open_model_btn = QPushButton("Open model…")
        self.open_model_btn.setToolTip("Open a superres checkpoint (trained with "
                                       "'playground train srgan'): it replaces the SRResNet or "
                                       "the SRGAN pane, whichever its loss makes it")
        self.open_model_btn.clicked.connect(lambda: self.open_checkpoint())
        self.shipped_btn = QPushButton("Shipped models")
        self.shipped_btn.setToolTip("Back to the shipped landscapes-srresnet and landscapes-srgan")
        self.shipped_btn.clicked.connect(self.use_shipped)
        models_row = QHBoxLayout()
        models_row.addWidget(QLabel("Models:"))
        models_row.addWidget(self.model_info, 1)
        models_row.addWidget(self.open_model_btn)
        models_row.addWidget(self.shipped_btn)

        self.zoom = ZoomGroup(self)
        self.zoom.changed.connect(self._zoom_changed)
        self.input_pane = ZoomPane("Input", self.zoom, pixelated=True, lines=3)
        self.panes = {name: ZoomPane(name, self.zoom, lines=3) for name in OUTPUTS}
        self.truth_pane = ZoomPane("Truth", self.zoom, lines=3)
        self.pane_row = QWidget()
        row = QHBoxLayout(self.pane_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for key, pane in (("input", self.input_pane), *self.panes.items(),
                          ("truth", self.truth_pane)):
            pane.setToolTip(PANE_TIPS[key] + ("" if key == "input" else
                                              ". Wheel: zoom all panes · drag: pan · "
                                              "double-click: fit"))
            row.addWidget(pane)

        # QShortcuts rather than button shortcuts: a button's shortcut clicks it 100 ms
        # later (animateClick), and a held key should zoom on at the key's repeat rate
        self.zoom_out_btn = QPushButton("−")
        self.zoom_out_btn.setToolTip(keys.tip("Zoom out, in every pane", keys.ZOOM_OUT))
        self.zoom_out_btn.clicked.connect(self.zoom_out)
        self.zoom_in_btn = QPushButton("+")
        self.zoom_in_btn.setToolTip(keys.tip("Zoom in on the centre, in every pane (the wheel "
                                             "zooms where the cursor is)", keys.ZOOM_IN))
        self.zoom_in_btn.clicked.connect(self.zoom_in)
        self.fit_btn = QPushButton("Fit")
        self.fit_btn.setToolTip(keys.tip("Show the whole picture in every pane", keys.FIT))
        self.fit_btn.clicked.connect(self.zoom.fit)
        for action, slot, what in ((keys.ZOOM_IN, self.zoom_in, "Zoom in on every pane"),
                                   (keys.ZOOM_OUT, self.zoom_out, "Zoom out of every pane"),
                                   (keys.FIT, self.zoom.fit, "Show the whole picture")):
            keys.shortcut(action, self, slot, what, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for b in (self.zoom_out_btn, self.zoom_in_btn):
            b.setFixedWidth(36)
        self.zoom_label = QLabel()
        self.zoom_label.setToolTip("How much closer than the whole picture the panes show")
        self.export_btn = QPushButton("Export panes…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save all panes as one PNG, as shown")
        self.export_btn.clicked.connect(lambda: self.export_panes())
        self.export_pick = QComboBox()
        self.export_pick.addItems(list(OUTPUTS))
        self.export_pick.setCurrentText(EXPORT_PANE.get())
        self.export_pick.setToolTip("Which output 'Save output…' writes")
        self.export_pick.currentTextChanged.connect(EXPORT_PANE.set)
        self.save_output_btn = QPushButton("Save output…")
        self.save_output_btn.setToolTip("Save the chosen output at its full size (4× the input), "
                                        "pixel for pixel, as a PNG")
        self.save_output_btn.clicked.connect(lambda: self.save_output())
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Zoom"))
        bottom.addWidget(self.zoom_out_btn)
        bottom.addWidget(self.zoom_in_btn)
        bottom.addWidget(self.fit_btn)
        bottom.addWidget(self.zoom_label)
        bottom.addStretch(1)
        bottom.addWidget(self.export_btn)
        bottom.addSpacing(12)
        bottom.addWidget(self.export_pick)
        bottom.addWidget(self.save_output_btn)

        self.status = QLabel()
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setStyleSheet("QLabel { color: #555; }")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(models_row)
        layout.addWidget(self.pane_row, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.status)
        self._zoom_changed()

    # ------------------------------------------------------------------ models
    def _load(self, path) -> SRModel:
        """A 4× superres model from `path`, or CheckpointError / ValueError with the reason."""
        model = load_checkpoint(path)
        if not isinstance(model, SRModel):
            raise CheckpointError(f"{path} holds a {getattr(model, 'family', '?')} model, not a "
                                  "super-resolution one (family 'superres').")
        if model.config.scale != SCALE:
            raise CheckpointError(f"{path} upscales {model.config.scale}×; this view compares "
                                  f"{SCALE}× models")
        return model

    def _restore_model(self, kind: str) -> None:
        """The model opened last time for this pane if it still loads as that kind, else the
        shipped one."""
        saved = MODEL_PATHS[kind].get()
        if saved:
            try:
                model = self._load(saved)
                if _slot_of(model) == kind:
                    self._set_model(kind, model, f"{Path(saved).name} (opened)", remember=saved)
                    return
            except (CheckpointError, ValueError, OSError):
                pass
        self._load_shipped(kind)

    def _load_shipped(self, kind: str) -> None:
        folder = CHECKPOINTS / SHIPPED[kind]
        try:
            model = self._load(folder)
        except (CheckpointError, ValueError, OSError) as exc:
            self.models[kind] = None
            self.model_names[kind] = ""
            missing = not folder.exists()
            self.model_notes[kind] = (
                f"No {kind} model: the shipped checkpoint checkpoints/{SHIPPED[kind]} is "
                + ("not here yet." if missing else f"unusable ({exc}).")
                + " Open one with Open model… (bicubic and the other pane still work).")
            return
        self._set_model(kind, model, f"{SHIPPED[kind]} (shipped)", remember="")

    def _set_model(self, kind: str, model: SRModel, name: str, remember: str) -> None:
        self.models[kind], self.model_names[kind], self.model_notes[kind] = model, name, ""
        MODEL_PATHS[kind].set(remember)

    def _show_models(self) -> None:
        parts, tips = [], []
        for kind in KINDS:
            m = self.models[kind]
            if m is None:
                parts.append(f"{kind}: <span style='color:#b00020'>none</span>")
                tips.append(self.model_notes[kind])
                self.panes[kind].set_note(self.model_notes[kind])
            else:
                c = m.config
                parts.append(f"{kind}: <b>{escape(self.model_names[kind])}</b>")
                content = m.meta.get("content")
                facts = [f"{c.channels} channels", f"{c.blocks} residual blocks", f"{c.scale}×",
                         *training_facts(m.meta)]
                if isinstance(content, str) and content:
                    facts.append(f"content loss on {content}")
                tips.append(f"{kind}: {self.model_names[kind]}: {', '.join(facts)}")
        self.model_info.setText(" · ".join(parts))
        self.model_info.setToolTip("\n".join(tips))

    def open_checkpoint(self, path: str | None = None) -> bool:
        """Open a superres checkpoint into the pane of its kind; a bad one is a dialog and
        nothing changes."""
        if path is None:
            path = ask_checkpoint(self, OPEN_DIR.get() or str(CHECKPOINTS),
                                  "Open a super-resolution checkpoint")
            if not path:
                return False
        try:
            model = self._load(path)
        except (CheckpointError, ValueError, OSError) as exc:
            QMessageBox.warning(self, "Cannot open checkpoint", str(exc))
            return False
        OPEN_DIR.set(str(Path(path).parent))
        kind = _slot_of(model)
        self._set_model(kind, model, f"{Path(path).name} (opened)", remember=str(path))
        self._show_models()
        self.message.emit(f"Opened {Path(path).name}: it is an {kind} (its training loss says "
                          f"so), shown in the {kind} pane.")
        self.upscale()
        return True

    def use_shipped(self) -> None:
        for kind in KINDS:
            self._load_shipped(kind)
            MODEL_PATHS[kind].set("")
        self._show_models()
        self.upscale()

    # ------------------------------------------------------------------ inputs
    def _restore_input(self) -> None:
        if SOURCE.get() == "file" and INPUT_FILE.get():
            try:
                self.set_input(open_low_res(INPUT_FILE.get()))
                return
            except ValueError:
                pass                    # the file moved or changed: a held-out one instead
        self.show_held_out(HELD_OUT.get())

    def show_held_out(self, k: int) -> None:
        HELD_OUT.set(int(k))
        SOURCE.set("held_out")
        self.set_input(held_out(k))

    def random_example(self) -> None:
        self.show_held_out(random.randrange(HELD_OUT_COUNT))

    def open_image(self, path: str | None = None) -> bool:
        """A picture file by the rule (sr_input.py); a refused one is a dialog and the
        picture shown stays."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open a low-resolution picture", IMAGE_DIR.get() or str(Path.home()),
                "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)")
            if not path:
                return False
        try:
            low = open_low_res(path)
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot use this picture", str(exc))
            return False
        IMAGE_DIR.set(str(Path(path).parent))
        INPUT_FILE.set(str(path))
        SOURCE.set("file")
        self.set_input(low)
        return True

    def receive(self, image, caption: str) -> None:
        """A picture handed over by another panel (the painter's pix2pix output)."""
        try:
            low = from_array(image, "the picture handed over")
        except ValueError as exc:
            self.message.emit(f"Cannot upscale the picture handed over: {exc}")
            return
        h, w = low.image.shape[:2]
        chain = f"paint → pix2pix {w} px → SRGAN {SCALE * w} px"
        self.set_input(LowRes(low.image, None, f"{caption}: {chain}" if caption else chain,
                              low.note))

    def set_input(self, low: LowRes) -> None:
        """Show a new input and start upscaling it."""
        self.low = low
        h, w = low.image.shape[:2]
        self.zoom.set_size(SCALE * w, SCALE * h)
        self.zoom.fit()
        self.input_pane.set_image(low.image)
        self.input_pane.set_figures(["the input", f"{w}×{h} px", "pixels drawn square"])
        self.truth_pane.setVisible(low.truth is not None)
        if low.truth is not None:
            from models.translation.quality import sharpness
            self.truth_pane.set_image(low.truth)
            th, tw = low.truth.shape[:2]
            self.truth_pane.set_figures(["the photo", f"{tw}×{th} px",
                                         f"sharpness {sharpness(low.truth):,.0f}"])
        text = f"<b>Input:</b> {escape(low.source)}"
        if low.note:
            text += f" · <span style='color:#8a5a00'>{escape(low.note)}</span>"
        self.source.setText(text)
        self.source.setToolTip(low.source + (f"\n{low.note}" if low.note else ""))
        self.upscale()

    # ------------------------------------------------------------------ upscaling
    def upscale(self) -> None:
        """Ask for all outputs of the current input; the panes show a busy veil until theirs
        arrives."""
        if self.low is None:
            return
        self.outputs.clear()
        self.numbers.clear()
        for name, pane in self.panes.items():
            if name == BICUBIC or self.models[name] is not None:
                # an earlier picture's output and figures would read as this one's
                pane.set_note("")
                pane.set_figures([])
                pane.set_busy(True)
            else:
                pane.set_busy(False)
        self._shown_id = self.upscaler.request(self.low.image, self.low.truth,
                                               {k: self.models[k] for k in KINDS})
        self._say("Upscaling… (SRResNet and SRGAN take a moment on a CPU)")

    def _on_output(self, rid: int, name: str, image, numbers, seconds: float) -> None:
        if rid != self._shown_id:
            return                       # overtaken by a newer input
        self.outputs[name], self.numbers[name] = image, numbers
        pane = self.panes[name]
        pane.set_image(image)
        pane.set_busy(False)
        pane.set_figures(self._figure_lines(numbers, seconds))

    def _figure_lines(self, numbers: dict, seconds: float) -> list[str]:
        if "psnr" in numbers:
            lines = [f"PSNR {numbers['psnr']:.2f} dB", f"SSIM {numbers['ssim']:.3f}"]
        else:
            lines = ["no truth, so", "no PSNR or SSIM"]
        return lines + [f"sharpness {numbers['sharpness']:,.0f} · {seconds * 1000:,.0f} ms"]

    def _on_failed(self, rid: int, name: str, text: str) -> None:
        if rid != self._shown_id:
            return
        self.panes[name].set_note(f"{name} failed: {text}")
        self.panes[name].set_busy(False)
        self.panes[name].set_figures([])
        self.message.emit(f"{name} could not upscale this picture: {text}")

    def _on_finished(self, rid: int) -> None:
        if rid != self._shown_id:
            return
        for pane in self.panes.values():
            pane.set_busy(False)
        h, w = self.low.image.shape[:2]
        done = [n for n in OUTPUTS if n in self.outputs]
        self._say(f"{w}×{h} → {SCALE * w}×{SCALE * h} px by {', '.join(done)}. "
                            "Wheel or drag on any pane to zoom and pan all of them; "
                            "double-click or Fit to see the whole picture."
                            + ("" if self.low.truth is not None else
                               " There is no truth for this picture, so only sharpness is "
                               "measured."))

    def _say(self, text: str) -> None:
        """The status line (one line; a narrow window cuts it, the tooltip keeps it all)."""
        self.status.setText(text)
        self.status.setToolTip(text)

    @property
    def busy(self) -> bool:
        return self.upscaler.busy

    # ------------------------------------------------------------------ zoom
    def zoom_in(self) -> None:
        self.zoom.zoom_by(WHEEL_STEP)

    def zoom_out(self) -> None:
        self.zoom.zoom_by(1 / WHEEL_STEP)

    def _zoom_changed(self) -> None:
        self.zoom_label.setText(f"{self.zoom.zoom:.1f}×")
        self.fit_btn.setEnabled(self.zoom.zoom > 1.0001)

    # ------------------------------------------------------------------ export
    def export_panes(self, path: str | None = None) -> bool:
        """All panes as shown, one PNG."""
        if path is None:
            path = ask_save_path(self, EXPORT_DIR, "Export panes", "superres.png")
            if path is None:
                return False
        return save_widget_png(self, self.pane_row, path, "superres.png")

    def save_output(self, name: str | None = None, path: str | None = None) -> bool:
        """One output at its full size, pixel for pixel."""
        name = name or self.export_pick.currentText()
        image = self.outputs.get(name)
        if image is None:
            self.message.emit(f"There is no {name} output to save yet.")
            return False
        if path is None:
            path = ask_save_path(self, EXPORT_DIR, f"Save the {name} output",
                                 f"{name.lower()}-{image.shape[1]}px.png")
            if path is None:
                return False

        def save():
            from PIL import Image
            Image.fromarray(image, "RGB").save(path, "PNG")
        return write_or_warn(self, save, path)

    # ------------------------------------------------------------------ the panel's calls
    def help_topic(self) -> str:
        return "superres"

    def set_device(self, device: str) -> None:
        self.device = device            # kept for the panel's calls; inference stays on the CPU

    def shutdown(self) -> bool:
        return self.upscaler.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.upscaler.shutdown()
        super().closeEvent(event)
