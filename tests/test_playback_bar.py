"""The shared playback bar: stepping, the three end behaviours, a stride, and keys that
survive the play button's text flipping."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from playground.playback_bar import PlaybackBar


def _bar(qtbot, **kw) -> PlaybackBar:
    bar = PlaybackBar(**kw)
    qtbot.addWidget(bar)
    return bar


def test_at_the_end_it_stops_loops_or_turns_back(qtbot):
    stop = _bar(qtbot)
    stop.set_count(3)
    stop.set_index(2)
    stop.play()                                  # from the end, Play starts over
    assert stop.index() == 0 and stop.playing
    stop._tick(), stop._tick()
    assert stop.index() == 2
    stop._tick()
    assert stop.index() == 2 and not stop.playing

    loop = _bar(qtbot, loop=True)
    loop.set_count(3)
    loop.set_index(2)
    loop._tick()
    assert loop.index() == 0

    bounce = _bar(qtbot, bounce=True, stride=20)
    bounce.set_count(1001)
    bounce.set_index(990)
    bounce.play()
    assert bounce.index() == 990                 # a bouncing bar plays on from where it is
    seen = []
    for _ in range(4):
        bounce._tick()
        seen.append(bounce.index())
    assert seen == [1000, 980, 960, 940]
    bounce.set_index(10)
    bounce._tick()
    bounce._tick()
    assert bounce.index() == 20 and bounce.playing    # turned at 0, climbing again
    bounce.pause()


def test_frames_reach_the_listener_and_the_label(qtbot):
    bar = _bar(qtbot, label="t")
    frames = []
    bar.frameChanged.connect(frames.append)
    bar.set_count(11)
    bar.set_formatter(lambda i: f"t = {i / 10:.1f}", "t = 0.0")
    bar.step(3)
    bar.step(-1)
    assert frames == [0, 3, 2]             # set_count shows the first frame
    assert bar.position.text() == "t = 0.2"
    bar.set_index(99)
    assert bar.index() == 10 and bar.count() == 11


def test_keys_play_and_pause_and_the_worded_button_keeps_its_shortcut(qtbot):
    bar = _bar(qtbot, play_key="Ctrl+Shift+P", words=True)
    bar.set_count(100)
    bar.show()
    qtbot.waitExposed(bar)
    assert bar.play_button.text() == "▶ Play"
    bar.activateWindow()            # a real X server without a window manager activates none
    qtbot.waitActive(bar)
    bar.slider.setFocus()
    qtbot.waitUntil(bar.slider.hasFocus, timeout=2000)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert bar.playing and bar.play_button.text() == "❚❚ Pause"
    assert bar.play_button.shortcut() == QKeySequence("Ctrl+Shift+P")   # setText drops it
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert not bar.playing and bar.play_button.text() == "▶ Play"
    assert bar.play_button.shortcut() == QKeySequence("Ctrl+Shift+P")
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    assert bar.index() == 1
