"""The painter's files: label maps in and out, input images for photo-to-photo models, and
the generated picture out. A file that fails leaves everything as it was and says why."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QFileDialog, QMessageBox

from models.pix2pix.label_files import LabelFileError, load_label_png, save_label_png
from models.pix2pix.paired import open_rgb

from ... import keys
from ... import settings as app_settings
from .paint_source import KEY

FILE_DIR = app_settings.Setting(KEY + "file_dir", "", app_settings.path, kind="str")

EXAMPLES = Path(__file__).resolve().parents[3] / "assets" / "label_maps"
PNG_FILTER = "PNG images (*.png)"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp)"


class PaintFilesMixin:
    """Mixed into PaintView (needs canvas, current_model, generate, output_image, message)."""

    def _ask(self, save: bool, title: str, name: str, filters: str) -> str:
        # the first Open starts among the shipped example maps
        start = Path(FILE_DIR.get() or (Path.home() if save else EXAMPLES))
        if save:
            path, _ = QFileDialog.getSaveFileName(self, title, str(start / name), filters)
        else:
            path, _ = QFileDialog.getOpenFileName(self, title, str(start), filters)
        if path:
            FILE_DIR.set(str(Path(path).parent))
        return path

    def load_map(self, path: str | None = None) -> bool:
        path = path or self._ask(False, "Open label map", "", PNG_FILTER + ";;All files (*)")
        if not path:
            return False
        try:
            lab = load_label_png(path, size=self._model_size())
        except LabelFileError as exc:
            QMessageBox.warning(self, "Cannot use this label map",
                                f"{exc}\n\nYour painting is unchanged.")
            return False
        self.canvas.set_map(lab)
        self.message.emit(f"Loaded {path} ({keys.UNDO.native()} brings the previous map back)")
        return True

    def save_map(self, path: str | None = None) -> bool:
        path = path or self._ask(True, "Save label map", "landscape-map.png", PNG_FILTER)
        if not path:
            return False
        try:
            save_label_png(self.canvas.label_map(), path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save {path}:\n{exc}")
            return False
        self.message.emit(f"Saved the label map to {path}")
        return True

    def export_output(self, path: str | None = None) -> bool:
        if self.output_image is None:
            QMessageBox.information(self, "Export picture", "There is no picture yet: pick an "
                                    "available model and paint.")
            return False
        path = path or self._ask(True, "Export picture", "pix2pix.png", PNG_FILTER)
        if not path:
            return False
        try:
            Image.fromarray(np.asarray(self.output_image, np.uint8)).save(path, format="PNG")
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not save {path}:\n{exc}")
            return False
        self.message.emit(f"Saved the picture to {path}")
        return True

    def load_input_image(self, path: str | None = None) -> bool:
        """An A image for a model trained on a folder of photos (input "rgb")."""
        model = self.current_model()
        if model is None:
            return False
        path = path or self._ask(False, "Open input image", "", IMAGE_FILTER)
        if not path:
            return False
        try:
            image = open_rgb(Path(path))
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot use this image", str(exc))
            return False
        size = model.config.size
        self.input_image = np.asarray(image.resize((size, size), Image.BICUBIC), np.uint8)
        self.input_view.set_image(self.input_image)
        self.generate()
        return True
