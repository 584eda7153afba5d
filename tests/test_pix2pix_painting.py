"""The painter's editing maths: discs, strokes, rectangles, flood fill and undo history."""
from __future__ import annotations

import math

import numpy as np
import pytest

from playground.panels.pix2pix.painting import (EMPTY, History, brush_centre, brush_radius,
                                                fill_rect, flood_fill, paint_segment, stamp_disc)


def _blank(h=64, w=64, value=0):
    return np.full((h, w), value, np.uint8)


@pytest.mark.parametrize("radius", [3.0, 7.5, 20.0])
def test_disc_area_matches_pi_r_squared(radius):
    m = _blank(128, 128)
    box = stamp_disc(m, 64, 64, radius, 5)
    area = int((m == 5).sum())
    assert abs(area - math.pi * radius ** 2) <= math.pi * radius   # lattice error < half the rim
    ys, xs = np.nonzero(m == 5)
    assert ((xs - 64) ** 2 + (ys - 64) ** 2 <= radius ** 2 + 1e-6).all()
    y0, y1, x0, x1 = box
    assert (y0, x0) <= (ys.min(), xs.min()) and (y1, x1) >= (ys.max() + 1, xs.max() + 1)
    assert (m[:y0] == 0).all() and (m[y1:] == 0).all()


def test_brush_sizes_one_and_two_are_a_pixel_and_a_block():
    m = _blank()
    stamp_disc(m, *brush_centre(10.7, 20.2, 1), brush_radius(1), 3)
    assert list(zip(*np.nonzero(m))) == [(20, 10)]
    m = _blank()
    stamp_disc(m, *brush_centre(10.7, 20.2, 2), brush_radius(2), 3)
    assert sorted(zip(*np.nonzero(m))) == [(19, 10), (19, 11), (20, 10), (20, 11)]


def test_fast_diagonal_drag_leaves_no_gaps():
    m = _blank(100, 100)
    paint_segment(m, 2, 3, 95, 90, 1.0, 7)
    painted = m == 7
    # every row and column the segment spans is painted, as one contiguous run
    for line in list(painted[3:91]) + list(painted.T[2:96]):
        idx = np.flatnonzero(line)
        assert len(idx) and idx[-1] - idx[0] + 1 == len(idx)
    # and nothing far from the segment is
    ys, xs = np.nonzero(painted)
    d = np.abs((90 - 3) * (xs - 2) - (95 - 2) * (ys - 3)) / math.hypot(93, 87)
    assert d.max() <= 1.0 + 1e-6


def test_stroke_partly_outside_is_clipped_and_fully_outside_is_nothing():
    m = _blank(32, 32)
    box = paint_segment(m, -50, 10, 100, 10, 2.0, 1)
    assert box == (8, 13, 0, 32)
    assert (m[8:13] == 1).all() and (m[:8] == 0).all() and (m[13:] == 0).all()
    m = _blank(32, 32)
    assert paint_segment(m, -50, -50, -40, -10, 3.0, 1) == EMPTY
    assert stamp_disc(m, float("nan"), 3, 2, 1) == EMPTY
    assert not m.any()


def test_rect_any_corner_order_inclusive_and_clipped():
    m = _blank(16, 16)
    assert fill_rect(m, 9, 7, 3, 2, 4) == (2, 8, 3, 10)
    assert (m == 4).sum() == 6 * 7 and (m[2:8, 3:10] == 4).all()
    m = _blank(16, 16)
    assert fill_rect(m, -5, 12, 40, 100, 2) == (12, 16, 0, 16)
    assert (m == 2).sum() == 4 * 16
    assert fill_rect(m, 20, 20, 30, 30, 2) == EMPTY


def test_flood_fill_fills_the_connected_region_only():
    m = _blank(40, 40, 0)
    m[:, 20] = 1                   # a wall splits class 0 into two halves
    m[10, 5] = 1                   # an island inside the left half stays
    m[3, 3], m[2, 3] = 2, 2
    changed = flood_fill(m, 1, 1, 6)
    left = np.zeros_like(m, bool)
    left[:, :20] = True
    left[10, 5] = left[3, 3] = left[2, 3] = False
    assert changed == left.sum()
    assert (m[left] == 6).all()
    assert (m[:, 21:] == 0).all()                   # same class, not connected: untouched
    assert m[10, 5] == 1 and m[3, 3] == 2


def test_flood_fill_is_4_connected():
    m = _blank(8, 8, 0)
    m[np.arange(8), np.arange(8)] = 3   # a diagonal line: its pixels touch only at corners
    assert flood_fill(m, 0, 0, 5) == 1
    assert (m == 5).sum() == 1


def test_flood_fill_follows_a_serpentine_quickly():
    # one-pixel corridors that snake through a 256×256 map: the worst case for a scanline fill
    m = _blank(256, 256, 1)
    m[:, ::2] = 0
    m[0, 1::4] = 0
    m[-1, 3::4] = 0
    region = int((m == 0).sum())
    assert flood_fill(m, 0, 0, 2) == region
    assert not (m == 0).any()
    mt = np.ascontiguousarray(np.where(m == 2, 0, m).T)
    assert flood_fill(mt, 0, 0, 2) == region


def test_fill_with_the_same_class_or_outside_is_a_no_op():
    m = _blank(32, 32, 0)
    m[16:] = 5
    before = m.copy()
    assert flood_fill(m, 3, 3, int(m[3, 3])) == 0
    assert flood_fill(m, -1, 3, 1) == 0 and flood_fill(m, 3, 999, 1) == 0
    np.testing.assert_array_equal(m, before)


def test_history_undo_redo_and_branch_drop():
    h = History()
    a, b, c = _blank(value=1), _blank(value=2), _blank(value=3)
    assert not h.can_undo and h.undo(a) is None
    h.push(a)
    a[0, 0] = 9                     # the history holds a copy
    current = b
    h.push(current)
    current = c
    back = h.undo(current)
    assert (back == 2).all() and h.can_redo
    back2 = h.undo(back)
    assert back2[0, 0] == 1 and back2[1, 1] == 1 and not h.can_undo
    fwd = h.redo(back2)
    assert (fwd == 2).all()
    h.push(fwd)                     # a new edit after undo
    assert not h.can_redo and h.redo(fwd) is None
    assert len(h) == 2


def test_history_limit_drops_the_oldest():
    h = History(limit=3)
    for v in range(5):
        h.push(_blank(value=v))
    got = [int(h.undo(_blank(value=9))[0, 0]) for _ in range(3)]
    assert got == [4, 3, 2] and not h.can_undo
    with pytest.raises(ValueError):
        History(limit=0)
