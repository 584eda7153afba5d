"""The parameter-count table: formulas against brute force for tiny n and against the real
modules (NADE, PixelCNN); the huge counts' display; the Counting tab's slider and table."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from torch import nn

from models.likelihood import counting
from models.likelihood.nade import NADEConfig, build_nade, nade_parameters
from models.likelihood.pixelcnn import MaskedConv2d, PixelCNNConfig, build_pixelcnn

TINY = range(1, 9)


# ---------------------------------------------------------------------- brute force
def _conditional_tables(n: int, context) -> int:
    """Free parameters of an autoregressive model with a full table per conditional:
    one p(x_i = 1 | ·) for every distinct context of pixel i, found by enumerating every
    image. context(i, image) → the part of the image that p(x_i | ·) looks at."""
    keys = set()
    for image in itertools.product((0, 1), repeat=n):
        for i in range(n):
            keys.add((i, context(i, image)))
    return len(keys)


@pytest.mark.parametrize("n", TINY)
def test_the_full_joint_counts_every_image_but_one(n):
    images = list(itertools.product((0, 1), repeat=n))
    assert counting.full_joint(n) == len(images) - 1
    # the chain rule with a full table per conditional: the same count
    assert counting.full_joint(n) == _conditional_tables(n, lambda i, x: x[:i])


@pytest.mark.parametrize("n", TINY)
def test_the_markov_chain_and_independent_pixels_by_enumeration(n):
    assert counting.markov_chain(n) == _conditional_tables(n, lambda i, x: x[i - 1:i])
    assert counting.independent(n) == _conditional_tables(n, lambda i, x: ())


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("n", [*TINY, 30, 784])
def test_fvsbn_is_one_logistic_regression_per_pixel(n):
    # pixel i (0-based) sees the i pixels before it: i weights and a bias
    nets = nn.ModuleList(nn.Linear(i, 1) for i in range(n))
    assert counting.fvsbn(n) == sum(p.numel() for p in nets.parameters())


@pytest.mark.parametrize("size,hidden", [(1, 1), (2, 3), (5, 7), (28, 500), (64, 16)])
def test_nade_matches_the_built_module(size, hidden):
    n = size * size
    module = build_nade(NADEConfig(size=size, hidden=hidden))
    real = sum(p.numel() for p in module.parameters())
    assert counting.nade(n, hidden) == real == nade_parameters(n, hidden)
    assert real == module.W.numel() + module.c.numel() + module.V.numel() + module.b.numel()


@pytest.mark.parametrize("channels,layers,gated", [(64, 7, False), (8, 0, False), (4, 2, True),
                                                   (16, 3, False), (32, 5, True)])
def test_pixelcnn_matches_the_built_module_at_every_size(channels, layers, gated):
    counts = {sum(p.numel() for p in build_pixelcnn(PixelCNNConfig(
        size=s, channels=channels, layers=layers, gated=gated)).parameters()) for s in (2, 28, 64)}
    assert counts == {counting.pixelcnn(channels, layers, gated)}     # one count: no n in it


@pytest.mark.parametrize("channels,layers,gated", [(64, 7, False), (3, 2, True), (5, 0, False)])
def test_the_unmasked_count_is_the_weights_that_can_be_nonzero(channels, layers, gated):
    module = build_pixelcnn(PixelCNNConfig(size=8, channels=channels, layers=layers, gated=gated))
    used = 0
    for m in module.modules():
        for name, p in m.named_parameters(recurse=False):
            if isinstance(m, MaskedConv2d) and name == "weight":
                used += int((torch.ones_like(p) * m.mask).count_nonzero())
            else:
                used += p.numel()
    assert counting.pixelcnn_unmasked(channels, layers, gated) == used
    assert used < counting.pixelcnn(channels, layers, gated)


def test_the_lectures_values_at_28_by_28():
    n = 784
    rows = {r.key: r.count for r in counting.table(n)}
    assert rows["full"] == 2 ** 784 - 1
    assert (rows["independent"], rows["markov"], rows["fvsbn"]) == (784, 1567, 307_720)
    assert rows["nade"] == 2 * 784 * 500 + 784 + 500 == 785_284
    assert list(rows) == ["full", "independent", "markov", "fvsbn", "nade", "pixelcnn"]


def test_bad_sizes_are_refused():
    for bad in (0, -1, 64 * 64 + 1, 2.5, True, "9"):
        with pytest.raises(ValueError):
            counting.full_joint(bad)
    with pytest.raises(ValueError):
        counting.nade(4, 0)


# ---------------------------------------------------------------------- display
def test_huge_counts_are_shown_as_powers_of_ten():
    big = 2 ** 4096 - 1
    assert len(str(big)) == 1234 == counting.digits(big)
    assert counting.format_count(big) == "≈ 10^1233"
    assert counting.format_count(big, superscript=True) == "≈ 10¹²³³"
    assert counting.format_count(2 ** 64 - 1) == "≈ 1.8 × 10^19"
    assert counting.format_count(65_535) == "65,535"
    assert counting.format_count(2 ** 49 - 1) == "562,949,953,421,311"       # 15 digits: exact
    assert counting.format_count(10 ** 15) == "≈ 10^15"
    assert counting.format_count(99_999_999_999_999_999) == "≈ 10^17"       # 9.99… rounds up
    assert counting.format_count(3 * 10 ** 400 + 7) == "≈ 3.0 × 10^400"


@pytest.mark.parametrize("k", [0, 1, 15, 22, 308, 309, 1233])
def test_the_exponent_is_exact_at_powers_of_ten(k):
    assert counting.decimal_exponent(10 ** k) == k
    if k:
        assert counting.decimal_exponent(10 ** k - 1) == k - 1
    assert counting.log10(10 ** k) == pytest.approx(k)


def test_log10_handles_counts_past_the_float_range():
    assert counting.log10(2 ** 4096 - 1) == pytest.approx(4096 * math.log10(2))
    with pytest.raises(ValueError):
        counting.log10(0)
    assert np.isfinite(counting.log10(2 ** 4096))


# ---------------------------------------------------------------------- the Counting tab
@pytest.fixture
def counting_view(qtbot):
    from playground.panels.likelihood.counting_view import CountingView
    v = CountingView(None)
    qtbot.addWidget(v)
    v.resize(1000, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def _cell(view, row: int, col: int) -> str:
    return view.table.item(row, col).text()


def _expected_rows(side, hidden=500, channels=64, layers=7, gated=False):
    return counting.table(side * side, hidden, channels, layers, gated)


@pytest.mark.gui
def test_the_slider_updates_the_table_and_the_chart(qtbot, counting_view):
    v = counting_view
    assert v.side.value() == 28 and "784" in v.n_label.text()
    v.side.setFocus()
    qtbot.keyClick(v.side, Qt.Key.Key_Right)                       # 28 → 29, by the keyboard
    assert v.side.value() == 29 and v.side_spin.value() == 29
    assert "n = 29² = 841" in v.n_label.text()
    for i, row in enumerate(_expected_rows(29)):
        assert _cell(v, i, 1) == counting.format_count(row.count, superscript=True)
        assert _cell(v, i, 3) == f"{counting.log10(row.count):,.1f}"
    np.testing.assert_allclose(v.bars.opts["height"],
                               [counting.log10(r.count) for r in _expected_rows(29)])
    qtbot.keyClick(v.side, Qt.Key.Key_End)                         # the largest: 64×64
    assert _cell(v, 0, 1) == "≈ 10¹²³³"
    assert "1,234 digits" in v.table.item(0, 1).toolTip()
    assert _cell(v, 1, 1) == "4,096" and _cell(v, 2, 1) == "8,191"
    assert _cell(v, 3, 1) == f"{4096 * 4097 // 2:,}"
    qtbot.keyClick(v.side, Qt.Key.Key_Home)                        # 2×2: every digit exact
    assert [_cell(v, i, 1) for i in range(4)] == ["15", "4", "7", "10"]
    v.side_spin.setValue(17)                                       # the spin box drives it too
    assert v.side.value() == 17 and "atoms" in v.note.text()


@pytest.mark.gui
def test_the_model_settings_change_their_rows(qtbot, counting_view):
    v = counting_view
    pixel_cnn = _cell(v, 5, 1)
    v.side.setValue(10)
    assert _cell(v, 5, 1) == pixel_cnn                             # no n in PixelCNN's count
    v.hidden.setValue(32)
    assert _cell(v, 4, 1) == f"{counting.nade(100, 32):,}" and "H = 32" in _cell(v, 4, 0)
    v.channels.setValue(16)
    v.layers.setValue(3)
    qtbot.mouseClick(v.gated, Qt.MouseButton.LeftButton)
    assert v.gated.isChecked()
    assert _cell(v, 5, 1) == f"{counting.pixelcnn(16, 3, True):,}"
    assert f"{counting.pixelcnn_unmasked(16, 3, True):,}" in v.table.item(5, 1).toolTip()
    qtbot.mouseClick(v.with_full, Qt.MouseButton.LeftButton)
    assert v.bars.opts["height"][0] == 0 and v.bars.opts["height"][4] > 0
    qtbot.mouseClick(v.defaults_btn, Qt.MouseButton.LeftButton)
    assert v.values() == {"side": 28, "hidden": 500, "channels": 64, "layers": 7,
                          "gated": False, "with_full": True}
    assert _cell(v, 5, 1) == "295,041" and _cell(v, 4, 1) == "785,284"


@pytest.mark.gui
def test_the_settings_are_remembered(qtbot):
    from playground.panels.likelihood.counting_view import CountingView
    a = CountingView(None)
    qtbot.addWidget(a)
    a.side.setValue(40)
    a.hidden.setValue(100)
    a.gated.setChecked(True)
    b = CountingView(None)
    qtbot.addWidget(b)
    assert (b.side.value(), b.hidden.value(), b.gated.isChecked()) == (40, 100, True)
    assert _cell(b, 4, 1) == f"{counting.nade(1600, 100):,}"


@pytest.mark.gui
def test_the_chart_exports_as_png(qtbot, counting_view, tmp_path):
    from PIL import Image
    path = tmp_path / "chart.png"
    assert counting_view.export_png(str(path))
    w, h = Image.open(path).size
    assert w > 100 and h > 100
    assert counting_view.help_topic() == "likelihood-counting"
