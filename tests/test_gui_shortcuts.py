"""Every advertised shortcut of every panel, pressed with the keyboard in its own view.

The shortcuts come from the widgets themselves (playground.help.shortcuts.collect), the
list the Help → Keyboard shortcuts page shows. Each key is pressed with qtbot.keyClick while
its view is on screen and the focus is where a user's would be; the test asserts that Qt's
shortcut map delivers an unambiguous Shortcut event to the very button, QShortcut or QAction
that advertises the key (the event from which Qt emits clicked / activated / triggered). The
event is swallowed there, so no file dialog opens and no job starts: what is under test is
the binding, not the action (each panel's own tests cover what its actions do).
"""
from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QEvent, QObject, Qt  # noqa: E402
from PySide6.QtGui import QAction, QShortcut  # noqa: E402
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication,  # noqa: E402
                               QComboBox, QLabel, QLineEdit, QTextEdit, QWidget)

from playground.help.shortcuts import (NO_DESCRIPTION, collect, native, owner_widget,  # noqa: E402
                                       tabs_holding)

pytestmark = pytest.mark.gui


class Catcher(QObject):
    """Records the Shortcut events its targets receive, and swallows them."""

    def __init__(self):
        super().__init__()
        self.hits: list[tuple[QObject, bool]] = []

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Shortcut:
            self.hits.append((obj, event.isAmbiguous()))
            return True
        return False


@pytest.fixture
def window(qtbot, messages):
    from playground.main_window import MainWindow
    w = MainWindow(device="cpu")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _panels(w):
    """Every panel, built (the window may build its tabs lazily), by its tab title."""
    return {p.title: p for p in (w.autoencoder, w.diffusion, w.gan, w.pix2pix, w.likelihood)}


def _entries(w):
    return collect(w, _panels(w))


def _combination(target):
    if isinstance(target, QShortcut):
        seq = target.key()
    elif isinstance(target, QAction):
        seq = target.shortcut()
    else:
        seq = target.shortcut()
    return seq[0]


TEXT_INPUTS = (QAbstractSpinBox, QLineEdit, QTextEdit)


def _focus_target(owner: QWidget, context) -> QWidget:
    """Where a user's focus would be for the key to apply: in the owner (or its children)
    for widget-scoped shortcuts, on a widget that does not type text."""
    if context == Qt.ShortcutContext.WidgetShortcut:
        return owner
    scope = owner if context == Qt.ShortcutContext.WidgetWithChildrenShortcut else owner.window()
    for w in [scope, *scope.findChildren(QWidget)]:
        if (w.isVisible() and w.isEnabled() and w.focusPolicy() != Qt.FocusPolicy.NoFocus
                and not isinstance(w, TEXT_INPUTS)
                and not (isinstance(w, QComboBox) and w.isEditable())):
            return w
    return scope


def press(qtbot, w, entry, catcher) -> str | None:
    """Press the entry's keys in its view; None if its owner received them, else why not."""
    target = entry.target
    owner = owner_widget(target)
    if isinstance(target, QAction):
        owner = w
    for tabs, page in tabs_holding(owner):
        tabs.setCurrentWidget(page)
    # the app may hide or disable a control until it applies (Stop while idle, Clear drawing
    # while not drawing): its key is still advertised, so test it as the user would meet it
    restore = []
    for widget in [owner, *[p for p in _parents(owner)]]:
        if not widget.isEnabled() and widget.isWindow() is False:
            restore.append((widget.setEnabled, False))
            widget.setEnabled(True)
    if not owner.isVisible():
        restore.append((owner.setVisible, False))
        owner.setVisible(True)
    context = (target.context() if isinstance(target, QShortcut) else
               target.shortcutContext() if isinstance(target, QAction) else
               Qt.ShortcutContext.WindowShortcut)
    focus = _focus_target(owner, context)
    w.activateWindow()
    focus.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is focus or focus.hasFocus(), timeout=2000)
    target.installEventFilter(catcher)
    catcher.hits.clear()
    try:
        combo = _combination(target)
        qtbot.keyClick(focus, combo.key(), combo.keyboardModifiers())
    finally:
        target.removeEventFilter(catcher)
        for undo, value in reversed(restore):
            undo(value)
    if not catcher.hits:
        return "not delivered"
    if any(amb for _, amb in catcher.hits):
        return "ambiguous (another shortcut in the same context has these keys)"
    return None


def _parents(widget):
    p = widget.parentWidget()
    while p is not None and not p.isWindow():
        yield p
        p = p.parentWidget()


def _where(e) -> str:
    return f"{e.panel} › {e.view} {e.keys!r} ({e.description})"


def test_every_shortcut_has_a_description(window):
    entries = _entries(window)
    assert len(entries) > 60
    missing = [_where(e) for e in entries if e.description == NO_DESCRIPTION]
    assert missing == []


def test_every_shortcut_fires_in_its_view(qtbot, window):
    catcher = Catcher()
    failures = []
    for entry in _entries(window):
        why = press(qtbot, window, entry, catcher)
        if why:
            failures.append(f"{_where(entry)}: {why}")
    assert failures == [], "\n".join(failures)


def test_shortcuts_survive_the_state_changes_that_rename_their_buttons(qtbot, window):
    """A button's setText resets its shortcut to the text's mnemonic: Pause → Resume (and
    ▶ Play → ❚❚ Pause) must keep Ctrl+P (Ctrl+Shift+P). Run every training form through
    running and paused, toggle every checkable button there and back, and press again."""
    before = {(e.panel, e.view, e.keys) for e in _entries(window)}
    forms = [f for f in window.findChildren(QWidget) if callable(getattr(f, "set_state", None))]
    assert len(forms) >= 4      # AE, diffusion, GAN digits, pix2pix training forms
    for form in forms:
        form.set_state("running")
        form.set_state("paused")
    toggled = [b for b in window.findChildren(QAbstractButton)
               if b.isCheckable() and not b.shortcut().isEmpty()]
    for b in toggled:
        b.toggle()
    catcher = Catcher()
    after = {(e.panel, e.view, e.keys): e for e in _entries(window)}
    failures = [f"{p} › {v} {k!r}: lost" for p, v, k in sorted(before - set(after))]
    for key in sorted(before & set(after)):
        why = press(qtbot, window, after[key], catcher)
        if why:
            failures.append(f"{_where(after[key])}: {why}")
    for b in toggled:
        b.toggle()
    for form in forms:
        form.set_state("idle")
    assert failures == [], "\n".join(failures)


# "(Ctrl+T)", "(S or →)", "(R cycles)": keys that tooltips and labels promise
_PAREN = re.compile(r"\(([^()]*)\)")
_KEY = re.compile(r"^((Ctrl|Shift|Alt)\+)*([A-Z0-9]|F\d{1,2}|Space|Esc|Return|Backspace|Right|"
                  r"Left|\[|\]|\.|\*)$")
_ARROWS = {"→": "Right", "←": "Left"}
SLIDER_KEYS = {"Left", "Right"}   # a playback bar's buttons name its slider's own arrow keys


def advertised_keys(text: str) -> list[str]:
    """Keys in parentheses, "(Ctrl+T)", "(S or →)", "(R cycles)"; a group counts only if every
    alternative in it is a key, so "(0, I)" or "(1 … T)" in a formula does not."""
    keys = []
    for group in _PAREN.findall(text):
        tokens = [_ARROWS.get(t.strip(), t.strip()) for t in group.split(" or ")]
        if len(tokens) == 1 and re.fullmatch(r"[A-Z] [a-z]+", tokens[0]):
            tokens = [tokens[0].split(" ")[0]]          # "R cycles" → "R"
        if tokens and all(_KEY.match(t) for t in tokens):
            keys += tokens
    return keys


def test_advertised_keys_parse():
    assert advertised_keys("One round (S or →)") == ["S", "Right"]
    assert advertised_keys("Trajectories of 40 (R cycles)") == ["R"]
    assert advertised_keys("Decode (Ctrl+G) the grid (n×n)") == ["Ctrl+G"]
    assert advertised_keys("β (KL weight)") == []
    assert advertised_keys("N(0, I) and (1 … T = 1000), (0 points)") == []


def test_every_key_a_tooltip_or_label_promises_is_bound_in_its_view(window):
    """The other direction: a key written in a tooltip or a label, "(Ctrl+T)", is a shortcut
    of that view (or of the window), so the hints cannot drift from the bindings."""
    from playground.help.shortcuts import EVERYWHERE, _tab_path
    panels = _panels(window)
    entries = _entries(window)
    missing = []
    for title, panel in panels.items():
        for w in [*panel.findChildren(QAbstractButton), *panel.findChildren(QLabel)]:
            texts = [w.toolTip(), w.text()]
            view = " › ".join(_tab_path(w, panel))
            for k in {k for t in texts for k in advertised_keys(t)}:
                if k in SLIDER_KEYS and type(w.parentWidget()).__name__ == "PlaybackBar":
                    continue
                if not any(e.keys == k and (e.panel == EVERYWHERE or (
                        e.panel == title and (view.startswith(e.view) or e.view.startswith(view))))
                           for e in entries):
                    missing.append(f"{title} › {view}: {k!r} promised by "
                                   f"{type(w).__name__} {texts}")
    assert missing == [], "\n".join(missing)


# ---------------------------------------------------------------------- one table of keys
def test_the_table_gives_each_key_one_action(qapp):
    """playground.keys itself: no key in two actions, every action with a key. (qapp: the
    platform's standard keys, Open and Save, need an application to be read.)"""
    from playground import keys
    owner: dict[str, str] = {}
    clashes = []
    for action in keys.all_actions():
        assert action.keys, action.name
        for seq in action.sequences():
            text = seq.toString()
            if text in owner and owner[text] != action.name:
                clashes.append(f"{text}: {owner[text]} and {action.name}")
            owner[text] = action.name
    assert clashes == []


def test_every_shortcut_comes_from_the_table(window):
    """Each key a panel binds was bound through playground.keys, with that action's keys, so
    the same action has the same key in every panel."""
    from playground import keys
    table = {a.name: {native(s) for s in a.sequences()} for a in keys.all_actions()}
    wrong = []
    for e in _entries(window):
        if e.action is None:
            wrong.append(f"{_where(e)}: not bound through playground.keys")
        elif e.keys not in table.get(e.action, ()):
            wrong.append(f"{_where(e)}: bound as {e.action!r}, whose keys are "
                         f"{sorted(table.get(e.action, ()))}")
    assert wrong == [], "\n".join(wrong)


def test_no_key_means_two_actions_across_panels(window):
    """Ctrl+Return once meant Start in pix2pix and Sample in diffusion: across every panel
    and view, one key is one action."""
    by_key: dict[str, set[str]] = {}
    where: dict[str, list[str]] = {}
    for e in _entries(window):
        by_key.setdefault(e.keys, set()).add(e.action)
        where.setdefault(e.keys, []).append(f"{e.panel} › {e.view}: {e.action}")
    clashes = [f"{k}: {'; '.join(where[k])}" for k, names in by_key.items() if len(names) > 1]
    assert clashes == [], "\n".join(clashes)


def test_the_training_keys_are_the_same_in_every_training_view(window):
    """Train, Pause and Stop: one key each, present wherever a panel trains."""
    from playground import keys
    entries = _entries(window)
    for action in (keys.TRAIN, keys.PAUSE, keys.STOP):
        views = {(e.panel, e.view) for e in entries if e.action == action.name}
        assert {e.keys for e in entries if e.action == action.name} == {action.native()}
        assert len(views) >= 5, (action.name, views)  # AE, diffusion ×2, GAN digits, pix2pix


_KEY_SPAN = re.compile(r"<span class='key'>&nbsp;(.*?)&nbsp;</span>")


def test_help_pages_name_only_the_tables_keys(qapp):
    """The help pages write keys through key(action): none names a key the table retired
    (Ctrl+D for Draw from prior, Esc for pix2pix's Stop …)."""
    from PySide6.QtGui import QKeySequence

    from playground import keys
    from playground.help import all_pages
    known = {s.toString(QKeySequence.SequenceFormat.NativeText)
             for a in keys.all_actions() for s in a.sequences()}
    stray = [(p.key, k) for p in all_pages() for k in _KEY_SPAN.findall(p.body)
             if k.replace("&amp;", "&") not in known]
    assert stray == []
