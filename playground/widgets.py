"""Small widgets shared by the panels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QSizePolicy, QWidget

from models.data import search_roots
from models.imaging import to_uint8

# Ten well-separated class colours (Okabe-Ito + Tableau), used by every latent plot and legend.
CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def gray_qimage(image: np.ndarray) -> QImage:
    """A QImage that owns a copy of a 2-D float [0, 1] or uint8 image."""
    arr = np.ascontiguousarray(image if image.dtype == np.uint8 else to_uint8(image))
    h, w = arr.shape
    return QImage(arr.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def rgb_qimage(image: np.ndarray) -> QImage:
    """A QImage that owns a copy of an H×W×3 uint8 image."""
    arr = np.ascontiguousarray(image, dtype=np.uint8)
    h, w, _ = arr.shape
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ImageView(QWidget):
    """Shows a greyscale (H×W) or colour (H×W×3 uint8) image scaled with nearest-neighbour,
    keeping its aspect ratio.

    Painting a 28×28 QImage is far cheaper than a full image item, which keeps
    click-to-sample within one frame.
    """

    def __init__(self, min_side: int = 140, parent: QWidget | None = None, caption: str = ""):
        super().__init__(parent)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self._caption = caption
        self._min_side = min_side
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(self._min_side, self._min_side)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._min_side // 2, self._min_side // 2)

    def set_image(self, image: np.ndarray | None) -> None:
        self._array = None if image is None else np.asarray(image)
        if image is None:
            self._image = None
        elif self._array.ndim == 3:
            self._image = rgb_qimage(self._array)
        else:
            self._image = gray_qimage(self._array)
        self.update()

    def image(self) -> np.ndarray | None:
        return self._array

    def set_caption(self, text: str) -> None:
        self._caption = text
        self.update()

    def _area(self):
        return self.rect().adjusted(2, 2, -2, -2 - (18 if self._caption else 0))

    def image_rect(self) -> QRectF | None:
        """Where the image is drawn (widget coordinates), or None when there is none."""
        area = self._area()
        if self._image is None or area.width() <= 0 or area.height() <= 0:
            return None
        iw, ih = self._image.width(), self._image.height()
        scale = min(area.width() / iw, area.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        area = self._area()
        target = self.image_rect()
        if target is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(target, self._image)
        elif area.width() > 0:
            p.setPen(QColor("#888"))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "—")
        if self._caption:
            p.setPen(self.palette().windowText().color())
            p.drawText(self.rect().adjusted(0, 0, 0, -2), Qt.AlignmentFlag.AlignHCenter
                       | Qt.AlignmentFlag.AlignBottom, self._caption)
        p.end()


def set_button_text(button, text: str) -> None:
    """Change a button's text and keep its shortcut: QAbstractButton.setText replaces the
    shortcut with the new text's mnemonic (none unless the text has an '&')."""
    key = button.shortcut()
    button.setText(text)
    button.setShortcut(key)


def format_duration(seconds: float) -> str:
    if not np.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def existing_folder(*candidates) -> str:
    """The first candidate folder that exists, else the home folder: where a folder dialog
    should open (one started on a missing folder opens somewhere arbitrary)."""
    for c in candidates:
        if c and Path(c).expanduser().is_dir():
            return str(Path(c).expanduser())
    return str(Path.home())


def ask_idx_folder(parent: QWidget, data_dir: str | None) -> str:
    """A folder of IDX files chosen by the user, or "" if they cancelled.

    The dialog opens where datasets live: the data folder, else the next search root that
    exists, as the Data folder dialog does (Qt's default, the working directory, is rarely it).
    """
    start = existing_folder(*search_roots(data_dir))
    return QFileDialog.getExistingDirectory(parent, "Folder with IDX files", start)


def ask_checkpoint(parent: QWidget, start: str, title: str = "Open checkpoint") -> str:
    """A checkpoint folder or weights file chosen by the user, or "" if they cancelled.

    Picking a folder's config.json means the folder.
    """
    path, _ = QFileDialog.getOpenFileName(parent, title, start,
                                          "Checkpoints (*.safetensors config.json);;All files (*)")
    if path.endswith("config.json"):
        path = str(Path(path).parent)
    return path


def ask_save_path(parent: QWidget, folder, title: str, name: str,
                  filt: str = "PNG images (*.png)") -> str | None:
    """A path chosen by the user in a save dialog that opens in the remembered `folder` (a
    settings.Setting, updated), with `name`'s suffix added if they left it off; None if
    they cancelled."""
    start = Path(folder.get() or Path.home())
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start / name), filt)
    if not path:
        return None
    folder.set(str(Path(path).parent))
    suffix = Path(name).suffix
    return path if path.lower().endswith(suffix) else path + suffix


def write_or_warn(parent: QWidget, save, path: str) -> bool:
    """Run `save()`; an unwritable path or bad data is a dialog, not an exception."""
    try:
        save()
    except (OSError, ValueError) as exc:
        QMessageBox.warning(parent, "Export failed", f"Could not write {path}:\n{exc}")
        return False
    return True


def save_widget_png(parent: QWidget, widget: QWidget, path: str | None, name: str) -> bool:
    """Save `widget` as drawn on screen to a PNG at `path` (asked for, starting at `name`,
    when None); a path that cannot be written is a dialog. True when saved."""
    if path is None:
        path, _ = QFileDialog.getSaveFileName(parent, "Save image", name, "PNG images (*.png)")
        if not path:
            return False
    if not widget.grab().save(path, "PNG"):
        QMessageBox.warning(parent, "Could not save", f"Could not write an image to {path}.")
        return False
    return True


def form_beside_live(form: QWidget, preview: QWidget, charts: QWidget, form_max_width: int,
                     live_sizes: tuple[int, int] = (500, 320)) -> QWidget:
    """A training view's body: the settings form in a scroll column on the left (never
    narrower than it needs, never wider than form_max_width), and on the right the live
    previews above the loss charts, each pair split so the user can resize."""
    from PySide6.QtWidgets import QScrollArea, QSplitter
    scroll = QScrollArea()
    scroll.setWidget(form)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(form.minimumSizeHint().width() + 24)
    scroll.setMaximumWidth(form_max_width)
    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(preview)
    right.addWidget(charts)
    right.setStretchFactor(0, 3)
    right.setStretchFactor(1, 2)
    right.setSizes(list(live_sizes))
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(scroll)
    split.addWidget(right)
    split.setStretchFactor(1, 1)
    split.setSizes([scroll.minimumWidth(), 1000])
    return split
