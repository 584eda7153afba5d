"""The training side of the autoencoder panel: hyperparameters, controls, progress, curves."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget)

from models.autoencoder.training import TrainConfig
from models.events import EpochEnd, Preview, Step
from models.imaging import tile

from ...curve_chart import MARKERS, PLAIN, Curve, CurveChart
from ...train_block import TrainBlock
from ...widgets import ImageView, ask_idx_folder
from .prior_points import PriorPointsBox

CHOOSE_FOLDER = "Choose folder…"


def _row(*widgets: QWidget) -> QWidget:
    """Several controls on one form row."""
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return row


# What the lower chart shows for each kind: (series, its legend label), the chart's axis label,
# the upper chart's (the WAE's cost is the squared error, not the cross-entropy), and the
# series with per-epoch test dots (the critic's own loss is not evaluated on held-out data).
BOTTOM = {
    # an AE has no KL: its chart stays empty (and goes once the run has points, see redraw)
    "ae": ((("kl", "KL"),), "KL / image", "recon / image", ("kl",)),
    "vae": ((("kl", "KL"),), "KL / image", "recon / image", ("kl",)),
    "hvae": ((("kl", "KL"), ("kl_top", "KL top z₂"), ("kl_bottom", "KL bottom z₁|z₂")),
             "KL / image", "recon / image", ("kl", "kl_top", "kl_bottom")),
    "aae": ((("d_loss", "critic D"), ("g_loss", "encoder fools D")), "critic on z",
            "recon / image", ()),
    "wae-mmd": ((("mmd", "MMD²"),), "MMD²", "‖x − x̂‖²", ("mmd",)),
    "wae-gan": ((("d_loss", "critic D"), ("g_loss", "encoder fools D")), "critic on z",
                "‖x − x̂‖²", ("g_loss",)),
}
COLOURS = {"kl": "#d62728", "kl_top": "#9467bd", "kl_bottom": "#ff7f0e", "mmd": "#2ca02c",
           "d_loss": "#9467bd", "g_loss": "#8c564b"}
# a critic that cannot tell codes from prior draws (D = ½ everywhere) has these losses
D_EQUILIBRIUM, G_EQUILIBRIUM = 2 * math.log(2), math.log(2)


def curve_kind(config) -> str:
    """The key of BOTTOM for a model's config (the WAE's depends on its regulariser)."""
    if config is None:
        return "vae"
    return f"wae-{config.regulariser}" if config.kind == "wae" else config.kind


class LossCurves(QWidget):
    """Reconstruction (and total) on top, the regulariser below (the VAE's KL, the HVAE's KL
    per level, the critic's losses, the WAE's MMD²), per step; test losses as dots per epoch.
    Two shared CurveCharts with one step axis; `set_kind` picks the lower chart's series."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # one row across the top: stacked, the legend would hide most of a short chart
        legend = {"colCount": 3, "brush": pg.mkBrush(255, 255, 255, 200)}
        dots = dict(kind=MARKERS, line=False, legend=False)
        self.top = CurveChart(None, "recon / image", {
            "loss": Curve("#999", kind=PLAIN, width=1), "recon": Curve("#1f77b4", kind=PLAIN, width=1.5),
            "test recon": Curve("#1f77b4", **dots)}, legend_at=(-5, 2), legend_opts=legend,
            min_size=(150, 80), bottom="")
        lower = {}
        for name, colour in COLOURS.items():
            lower[name] = Curve(colour, kind=PLAIN, width=1.5)
            lower[f"test {name}"] = Curve(colour, **dots)
        self.bottom = CurveChart(None, "KL / image", lower, legend_at=(-5, 2),
                                 legend_opts=legend, min_size=(150, 80))
        # one "test" entry per chart for the dots (markers have none of their own: two would
        # read "test recon", "test kl"): see _relegend
        self.charts = (self.top, self.bottom)
        self._equilibrium = []
        for level in (D_EQUILIBRIUM, G_EQUILIBRIUM):
            line = pg.InfiniteLine(level, angle=0, pen=pg.mkPen("#888", width=1,
                                                                   style=Qt.PenStyle.DashLine))
            self.bottom.addItem(line, ignoreBounds=True)
            self._equilibrium.append(line)
        for chart in self.charts:
            chart.getAxis("left").setWidth(52)        # the two plots' x axes line up
        self.top.getAxis("bottom").setStyle(showValues=False)
        self.top.getAxis("bottom").setHeight(6)
        self.bottom.setXLink(self.top)
        self.curves = {"loss": self.top.curves["loss"][1], "recon": self.top.curves["recon"][1],
                       **{n: self.bottom.curves[n][1] for n in COLOURS}}   # plot items by name
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #555;")
        self.caption.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.caption)
        lay.addWidget(self.top, 1)
        lay.addWidget(self.bottom, 1)
        self.kind, self._caption, self.test_images, self._kind_tip = "", "", 0, ""
        self.set_kind("vae")
        self.clear()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        # The column lays out at its preferred height for its width (the status label wraps),
        # so pyqtgraph's 600×500 hint would push the column past a 1400×860 window and clip
        # the Stop button and this chart; the chart still stretches into any room left.
        return QSize(300, 240)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return False        # else the wrapping caption makes the column ask for 500 px again

    def set_kind(self, kind: str) -> None:
        """Show the series of `kind` (a key of BOTTOM, see curve_kind) and label the axes."""
        if kind not in BOTTOM:
            kind = "vae"
        if kind == self.kind:
            return
        self.kind = kind
        shown, left, top_left, tested = BOTTOM[kind]
        labels = dict(shown)
        for name in COLOURS:
            self._show(self.bottom, name, name in labels)
            self._show(self.bottom, f"test {name}", name in tested)
        # the AAE's total is its reconstruction (the critic's phases are their own steps)
        self._show(self.top, "loss", kind != "aae")
        self._relegend(self.top, [("loss", "total")] * (kind != "aae")
                       + [("recon", "reconstruction")], "test recon")
        self._relegend(self.bottom, list(shown), f"test {tested[0]}" if tested else None)
        self.top.setLabel("left", top_left)
        self.bottom.setLabel("left", left)
        for line in self._equilibrium:
            line.setVisible(kind in ("aae", "wae-gan"))
        tips = {"aae": "Dashed: the critic's and the encoder's losses when D cannot tell codes "
                       "from prior draws (2 log 2 ≈ 1.39 and log 2 ≈ 0.69). ",
                "wae-gan": "Dashed: the critic's and the encoder's losses when D cannot tell "
                           "codes from prior draws (2 log 2 ≈ 1.39 and log 2 ≈ 0.69). ",
                "wae-mmd": "MMD² between a batch of codes and as many prior draws (unbiased: "
                           "it can dip below 0). ",
                "hvae": "KL of each level: top q(z₂|x) ‖ N(0, I), bottom q(z₁|x, z₂) ‖ p(z₁|z₂). "}
        self._kind_tip = tips.get(kind, "")
        self.label_test(self.test_images)

    @staticmethod
    def _show(chart: CurveChart, name: str, on: bool) -> None:
        for item in chart.curves[name]:
            if item is not None:
                item.setVisible(on)

    @staticmethod
    def _relegend(chart: CurveChart, entries: list[tuple[str, str]], test: str | None) -> None:
        """The legend afresh, in order (removing entries one by one leaves holes in its grid),
        with one "test" entry for the dots, drawn as `test`'s markers."""
        chart.legend.clear()
        for name, label in entries:
            chart.labels[name] = label
            chart.curves[name][1].opts["name"] = label
            chart.legend.addItem(chart.curves[name][1], label)
        if test is not None:
            chart.legend.addItem(chart.curves[test][1], "test")

    def clear(self, caption: str = "") -> None:
        for chart in self.charts:
            chart.clear_data()              # a zoom of the last run does not carry over
        self._caption = caption
        self.label_test(0)
        self.bottom.setVisible(True)

    def state(self) -> dict:
        """A copy of the curves, to show again when their model is selected."""
        return {"top": self.top.state(), "bottom": self.bottom.state(),
                "test_images": self.test_images, "kind": self.kind}

    def restore(self, state: dict | None, caption: str = "", kind: str | None = None) -> None:
        """Show a saved run (None: no curves, e.g. for a model loaded from disk), labelled
        for `kind` (else the run's own)."""
        self.set_kind(kind or (state or {}).get("kind") or self.kind)
        self.clear(caption)
        if state:
            self.top.restore(state["top"])
            self.bottom.restore(state["bottom"])
            self.label_test(state.get("test_images", 0))
            self.redraw()

    def add_step(self, step: int, losses: dict[str, float]) -> None:
        self.top.add(step, losses)
        self.bottom.add(step, losses)

    def label_test(self, images: int) -> None:
        """Say what the per-epoch dots measure: the loss on `images` held-out images (the
        trainer's subset; the saved model's figure is on all of them), or just "test"."""
        self.test_images = images
        # short, so the one-row legend still fits a narrow column; the caption says it in full
        text = f"test ({images:,})" if images else "test"
        self.caption.setText(self._caption + (f" · dots: test loss on {images:,} held-out "
                                              "images" if images else ""))
        self.caption.setVisible(bool(self.caption.text()))
        for chart in self.charts:
            for _sample, label in chart.legend.items:
                if label.text.startswith("test"):
                    label.setText(text)
            chart.setToolTip((self._kind_tip if chart is self.bottom else "")
                             + "Loss per step; dots: held-out loss per epoch"
                             + (f", on the first {images:,} held-out images (a saved model's "
                                "figure is on all of them)" if images else "")
                             + ". The wheel scrolls the column; click the chart first to zoom it.")

    def add_test(self, step: int, losses: dict[str, float]) -> None:
        tests = {f"test {k}": v for k, v in losses.items()}
        self.top.add(step, tests)
        self.bottom.add(step, tests)

    def redraw(self) -> None:
        for chart in self.charts:
            chart.redraw()
        # an AE has no regulariser: its chart goes, unless there is nothing to show yet
        self.bottom.setVisible(self.kind != "ae" or not self.top.has_points())

    def point_count(self) -> int:
        """Points of the total loss: one per step, up to curve_chart.MAX_POINTS."""
        return self.top.point_count("loss")

    def last_step(self) -> float | None:
        x = self.top.series["loss"].x
        return x[-1] if x else None


KINDS = (("VAE (variational)", "vae"), ("AE (plain)", "ae"), ("AAE (adversarial)", "aae"),
         ("WAE (Wasserstein)", "wae"), ("HVAE (two-layer ladder)", "hvae"))
KIND_TIPS = {
    "vae": "Encodes a distribution q(z|x), pulled towards the prior N(0, I) by the KL term",
    "ae": "Encodes a point and has no prior: nothing shapes the latent space",
    "aae": "A critic on z tells the encoder's codes from prior draws; the encoder learns to "
           "fool it, so the codes take the prior's shape (any prior you can sample)",
    "wae": "Matches the mixture of all codes, not each posterior, to the prior: by MMD or by "
           "a critic; the cost is the squared error",
    "hvae": "Two latent layers, z₂ → z₁ → x, inferred bottom-up and merged top-down (ladder)",
}
PRIOR_CHOICES = (("N(0, I)", "gaussian"), ("Mixture of 10 Gaussians", "mixture10"),
                 ("Swiss roll", "swiss-roll"), ("Square [−2, 2]²", "square"),
                 ("Ring", "ring"), ("Your points", "points"))
# λ's default per WAE regulariser: the WAE paper's 10 for MMD and 1 for the adversarial penalty
LAMBDA = {"mmd": 10.0, "gan": 1.0}


class TrainingView(QWidget):
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, *, data_dir: Callable[[], str | None] = lambda: None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        # data_dir() is the panel's data folder now (the Data folder menu changes it)
        self._data_dir = data_dir
        box = QGroupBox("Train a fresh model")
        self.form = form = QFormLayout(box)
        default = TrainConfig()     # the form starts at the trainer's own defaults
        self.kind = QComboBox()
        for text, kind in KINDS:
            self.kind.addItem(text, kind)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIPS[kind], Qt.ItemDataRole.ToolTipRole)
        self.kind.setToolTip("Which autoencoder to train. VAE: a KL to N(0, I); AE: no prior; "
                             "AAE: a critic on z; WAE: MMD or a critic on the codes' mixture; "
                             "HVAE: two latent layers. Hover an entry for more.")
        self.arch = QComboBox()
        self.arch.addItem("Small CNN", "conv")
        self.arch.addItem("MLP 784-400-d (pytorch/examples)", "mlp")
        self.arch.setToolTip("The encoder and decoder: a small CNN (trains well on a CPU) or the "
                             "pytorch/examples MLP")
        self.dataset = QComboBox()
        self.dataset.addItems(["mnist", "fashion-mnist", CHOOSE_FOLDER])
        self.dataset.setToolTip("A named dataset, or a folder with train-images-idx3-ubyte etc.")
        self.dataset.activated.connect(self._maybe_choose_folder)
        self.latent = QSpinBox(minimum=1, maximum=64, value=2)
        self.latent.setToolTip("Latent dimension (z₁ for the HVAE). Above 2 the plot shows a "
                               "PCA projection.")
        self.latent_note = QLabel("fixed at 2: the prior is 2-D")
        self.latent_note.setStyleSheet("color: #555;")
        self.latent_note.setToolTip("The shaped priors (mixture, swiss roll, square, ring, your "
                                    "points) live in the plane: choose N(0, I) for another d")
        # AAE / WAE
        self.prior = QComboBox()
        for text, name in PRIOR_CHOICES:
            self.prior.addItem(text, name)
        self.prior.setToolTip("The p(z) the codes are matched to. An AAE or a WAE only needs "
                              "draws from it, so any shape works; all but N(0, I) are 2-D")
        self.points = PriorPointsBox()
        self.stochastic = QCheckBox("Gaussian encoder")
        self.stochastic.setToolTip("Encode each image as q(z|x) = N(μ(x), σ²(x)) and pass a "
                                   "sample on, instead of the deterministic z = f(x)")
        self.supervised = QCheckBox("Supervised")
        self.supervised.setToolTip("Tie class k to mixture component k: the critic also sees "
                                   "the label, so each class lands on its own component "
                                   "(mixture of 10 only)")
        self.regulariser = QComboBox()
        self.regulariser.addItem("MMD (IMQ kernel)", "mmd")
        self.regulariser.addItem("Adversarial (critic on z)", "gan")
        self.regulariser.setToolTip("How the WAE measures the gap between the codes' mixture "
                                    "and the prior: MMD² with the inverse multiquadratic kernel, "
                                    "or a critic as in the AAE")
        self.lam = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=10_000.0, singleStep=1.0)
        self.lam.setValue(LAMBDA["mmd"])
        self.lam.setToolTip("λ, the penalty's weight in ‖x − x̂‖² + λ·D(q(z), p(z)); picking a "
                            "regulariser sets its paper default (10 for MMD, 1 adversarial)")
        # VAE / HVAE
        self.decoder = QComboBox()
        self.decoder.addItem("Plain (factorised)", "plain")
        self.decoder.addItem("PixelCNN (autoregressive)", "pixelcnn")
        self.decoder.setToolTip("The VAE's decoder: plain p(x|z) = Π p(xᵢ|z), or a PixelCNN "
                                "p(x|z) = Π p(xᵢ|x<ᵢ, z) strong enough to ignore z")
        self.decoder_note = QLabel("Slow (~0.4 s a step on a CPU): the decoder can model the "
                                   "digits without z, and the KL collapses to 0. Try the "
                                   "remedies below.")
        self.decoder_note.setWordWrap(True)
        self.decoder_note.setStyleSheet("color: #8a5a00;")
        self.beta = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=100.0, singleStep=0.1)
        self.beta.setValue(default.beta)
        self.beta.setToolTip("β, the weight of the KL term (VAE and HVAE). β = 1 is the ELBO; "
                             "β < 1 lets z carry more (a remedy for posterior collapse)")
        self.warmup = QSpinBox(minimum=0, maximum=1_000_000, value=default.kl_warmup,
                               singleStep=100)
        self.warmup.setSuffix(" steps")
        self.warmup.setSpecialValueText("no warm-up")
        self.warmup.setToolTip("KL warm-up: β grows linearly from 0 over this many steps, so "
                               "the decoder learns to use z before the KL pulls it to the prior")
        self.free_bits = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=100.0, singleStep=0.05,
                                        value=default.free_bits)
        self.free_bits.setSuffix(" nats")
        self.free_bits.setSpecialValueText("no free bits")
        self.free_bits.setToolTip("Free bits λ: each latent dimension's KL counts as at least λ "
                                  "nats, Σⱼ max(λ, KLⱼ), so pushing it below λ gains nothing")
        remedies = _row(self.warmup, self.free_bits)
        self.top_dim = QSpinBox(minimum=1, maximum=64, value=2)
        self.top_dim.setToolTip("The dimension of the HVAE's top layer z₂ (z₁ is the latent "
                                "dim above)")
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4)
        self.lr.setValue(default.lr)
        self.lr.setToolTip("Adam's learning rate (the critic's too)")
        self.batch = QSpinBox(minimum=8, maximum=4096, value=default.batch_size, singleStep=32)
        self.batch.setToolTip("Images per optimiser step")
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=default.epochs)
        self.epochs.setToolTip("Passes over the training images")
        # rows shown only for some kinds (see _kind_changed): the row's field → kinds
        self._rows = {}
        for label, w, kinds in (
                ("Model", self.kind, None), ("Architecture", self.arch, None),
                ("Dataset", self.dataset, None),
                ("Latent dim", _row(self.latent, self.latent_note), None),
                ("Prior", self.prior, ("aae", "wae")), ("Your points", self.points, ("aae", "wae")),
                ("Encoder", _row(self.stochastic, self.supervised), ("aae", "wae")),
                ("Regulariser", self.regulariser, ("wae",)), ("λ", self.lam, ("wae",)),
                ("Decoder", self.decoder, ("vae",)), ("", self.decoder_note, ("vae",)),
                ("β (KL weight)", self.beta, ("vae", "hvae")),
                ("KL remedies", remedies, ("vae", "hvae")),
                ("Top dim (z₂)", self.top_dim, ("hvae",)),
                ("Learning rate", self.lr, None), ("Batch size", self.batch, None),
                ("Epochs", self.epochs, None)):
            form.addRow(label, w)
            if kinds is not None:
                self._rows[w] = kinds
        form.labelForField(remedies).setToolTip("KL warm-up steps and free bits: the two "
                                                "remedies for posterior collapse besides β < 1")
        self._free_latent = self.latent.value()    # the user's d while a 2-D prior forces 2
        self._forced = False
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.prior.currentIndexChanged.connect(self._kind_changed)
        self.decoder.currentIndexChanged.connect(self._kind_changed)
        # the user picking a regulariser sets its λ; set_values restores a saved λ after it
        self.regulariser.activated.connect(
            lambda: self.lam.setValue(LAMBDA[self.regulariser.currentData()]))

        self.block = TrainBlock("Train a fresh model with these settings",
                                "Stop after the current batch and keep the weights")
        self.block.lend_to(self)      # train_btn, pause_btn, stop_btn, progress, status
        self.curves = LossCurves()
        self.recon = ImageView(min_side=90, caption="held-out inputs (top) · reconstructions (bottom)")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        lay.addWidget(self.block)
        self.curves.setMinimumHeight(200)
        self.recon.setMinimumHeight(70)
        lay.addWidget(self.recon, 1)
        lay.addWidget(self.curves, 3)
        self._busy = False
        self._kind_changed()
        self.set_state("idle")

    # ------------------------------------------------------------------ settings
    def values(self) -> dict:
        return {"kind": self.kind.currentData(), "arch": self.arch.currentData(),
                "dataset": self.dataset.currentText(), "latent_dim": self.latent.value(),
                "beta": self.beta.value(), "lr": self.lr.value(), "batch_size": self.batch.value(),
                "epochs": self.epochs.value(), "prior": self.prior.currentData(),
                "stochastic": self.stochastic.isChecked(),
                "supervised": self.supervised.isChecked(),
                "regulariser": self.regulariser.currentData(), "lam": self.lam.value(),
                "decoder": self.decoder.currentData(), "kl_warmup": self.warmup.value(),
                "free_bits": self.free_bits.value(), "top_dim": self.top_dim.value()}

    def prior_points(self):
        """The "your points" prior's last good N×2 set, or None."""
        return self.points.points()

    def set_values(self, v: dict) -> None:
        def pick(combo, data):
            i = combo.findData(data)
            if i >= 0:
                combo.setCurrentIndex(i)
        pick(self.kind, v.get("kind"))
        pick(self.arch, v.get("arch"))
        pick(self.regulariser, v.get("regulariser"))
        pick(self.decoder, v.get("decoder"))
        ds = v.get("dataset")
        if ds and ds != CHOOSE_FOLDER:
            if self.dataset.findText(ds) < 0:
                self.dataset.insertItem(self.dataset.count() - 1, ds)
            self.dataset.setCurrentText(ds)
        for w, key, cast in ((self.latent, "latent_dim", int), (self.beta, "beta", float),
                             (self.lr, "lr", float), (self.batch, "batch_size", int),
                             (self.epochs, "epochs", int), (self.lam, "lam", float),
                             (self.warmup, "kl_warmup", int), (self.free_bits, "free_bits", float),
                             (self.top_dim, "top_dim", int)):
            try:
                w.setValue(cast(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass
        self._free_latent = self.latent.value()
        pick(self.prior, v.get("prior"))       # after d: a 2-D prior then forces d = 2
        for box, key in ((self.stochastic, "stochastic"), (self.supervised, "supervised")):
            if isinstance(v.get(key), bool):
                box.setChecked(v[key])
        self._kind_changed()

    def _two_d_prior(self) -> bool:
        return self.kind.currentData() in ("aae", "wae") and self.prior.currentData() != "gaussian"

    def _kind_changed(self) -> None:
        """Show the rows of the chosen kind, and say (rather than fail at Start) what a
        choice forces: a 2-D prior fixes d = 2, supervision needs the mixture."""
        kind = self.kind.currentData()
        for w, kinds in self._rows.items():
            shown = kind in kinds
            if w is self.points:
                shown = shown and self.prior.currentData() == "points"
            elif w is self.decoder_note:
                shown = shown and self.decoder.currentData() == "pixelcnn"
            self.form.setRowVisible(w, shown)
        self.supervised.setVisible(kind == "aae")
        forced = self._two_d_prior()
        if forced and not self._forced:
            self._free_latent = self.latent.value()
            self.latent.setValue(2)
        elif self._forced and not forced:
            self.latent.setValue(self._free_latent)      # the d the user had before
        self._forced = forced
        self.latent_note.setVisible(forced)
        self._enable()

    def _enable(self) -> None:
        busy = self._busy
        for w in (self.kind, self.arch, self.dataset, self.lr, self.batch, self.epochs,
                  self.prior, self.points, self.stochastic, self.regulariser, self.lam,
                  self.decoder, self.beta, self.warmup, self.free_bits, self.top_dim):
            w.setEnabled(not busy)
        self.latent.setEnabled(not busy and not self._two_d_prior())
        mixture = self.prior.currentData() == "mixture10"
        self.supervised.setEnabled(not busy and mixture)
        if not mixture:
            self.supervised.setChecked(False)
        self.supervised.setToolTip(self.supervised.toolTip().split(" — ")[0] + (
            "" if mixture else " — choose the mixture of 10 prior first"))

    def _maybe_choose_folder(self) -> None:
        if self.dataset.currentText() != CHOOSE_FOLDER:
            return
        folder = ask_idx_folder(self, self._data_dir())
        if folder:
            self.set_values({"dataset": folder})
        else:
            self.dataset.setCurrentIndex(0)

    # ------------------------------------------------------------------ state
    def set_state(self, state: str) -> None:
        """"idle", "running", "pausing" (asked for, not yet in effect) or "paused"."""
        self.block.set_state(state)
        self._busy = state != "idle"
        self._enable()

    def begin(self, name: str = "", kind: str = "vae") -> None:
        """A run starts: empty curves labelled for its kind (see curve_kind)."""
        self.curves.set_kind(kind)
        self.curves.clear(f"Training {name}" if name else "")
        self.block.begin()
        self.recon.set_image(None)

    def show_step(self, ev: Step) -> None:
        self.curves.add_step(ev.step, ev.losses)
        self.block.show_step(ev, f"{ev.images_per_s:,.0f} img/s · loss {ev.losses['loss']:.1f}")

    def show_epoch(self, ev: EpochEnd, step: int) -> None:
        if ev.test_images != self.curves.test_images:
            self.curves.label_test(ev.test_images)
        self.curves.add_test(step, ev.test_losses)

    def show_preview(self, ev: Preview) -> None:
        both = np.concatenate([ev.inputs, ev.outputs])
        self.recon.set_image(tile(both, ncols=len(ev.inputs), pad=1))

    def redraw(self) -> None:
        self.curves.redraw()

    def set_status(self, text: str) -> None:
        self.status.setText(text)
