"""Every keyboard shortcut of the window, read from the objects that own them.

The list is generated, never written by hand, so it cannot drift from the app: QActions
(menus), buttons with a shortcut (described by their tooltip or text), and QShortcut objects
(described by their whatsThis, which every panel sets; a missing one is listed as such and
fails the shortcut test). Each is placed in its panel and view by walking up its parents
through the tab widgets that hold it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QStackedWidget, QTabWidget, QWidget

from ..keys import action_of

EVERYWHERE = "Everywhere"
NO_DESCRIPTION = "(no description)"


@dataclass
class Shortcut:
    panel: str          # the main tab, or EVERYWHERE for the menus
    view: str           # the tabs below the panel, "Reverse process › Chain"; "" if none
    keys: str           # as the platform writes them, "Ctrl+Return"
    description: str
    target: QObject     # the QAction, QAbstractButton or QShortcut that owns the keys
    kind: str           # "action", "button" or "shortcut"

    @property
    def action(self) -> str | None:
        """The name of the playground.keys action it was bound to; None if it bypassed the
        table (the shortcut test fails on those)."""
        return action_of(self.target)


def native(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.SequenceFormat.NativeText)


def _tab_path(widget: QWidget | None, stop: QWidget) -> list[str]:
    """The texts of the tabs that hold `widget`, outermost first, up to `stop`."""
    path = []
    w = widget
    while w is not None and w is not stop:
        parent = w.parentWidget()
        if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
            tabs = parent.parentWidget()
            i = tabs.indexOf(w)
            if i >= 0:
                path.append(tabs.tabText(i).replace("&&", "\0").replace("&", "").replace("\0", "&"))
        w = parent
    return path[::-1]


def tabs_holding(widget: QWidget | None) -> list[tuple[QTabWidget, QWidget]]:
    """(tab widget, its page) for every tab that holds `widget`, outermost first; making each
    page current brings the widget on screen."""
    out = []
    w = widget
    while w is not None:
        parent = w.parentWidget()
        if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
            if parent.parentWidget().indexOf(w) >= 0:
                out.append((parent.parentWidget(), w))
        w = parent
    return out[::-1]


def _without_keys(s: str, keys: str) -> str:
    """Drop "(C)", "(R or Ctrl+R)" and the like: the list shows the keys in their own column."""
    def drop(m):
        tokens = {t.strip() for t in re.split(r",| or ", m.group(1))}
        return "" if keys in tokens else m.group(0)
    return re.sub(r"\s*\(([^()]*)\)", drop, s).strip()


def _describe_button(b: QAbstractButton) -> str:
    keys = native(b.shortcut())
    tip = _without_keys(b.toolTip(), keys)
    text = _without_keys(b.text().replace("&&", "\0").replace("&", "").replace("\0", "&"), keys)
    if text and tip and not tip.lower().startswith(text.lower()):
        return f"{text}: {tip}"
    return tip or text or NO_DESCRIPTION


def owner_widget(obj: QObject) -> QWidget | None:
    """The widget whose focus context decides whether the shortcut fires."""
    if isinstance(obj, QWidget):
        return obj
    parent = obj.parent()
    while parent is not None and not isinstance(parent, QWidget):
        parent = parent.parent()
    return parent


def collect(window: QWidget, panels: dict[str, QWidget] | None = None) -> list[Shortcut]:
    """Every shortcut in `window`. `panels` maps a panel's title to its widget (the main tab);
    without it, the window's first QTabWidget's pages are the panels."""
    if panels is None:
        tabs = window.findChild(QTabWidget)
        panels = {} if tabs is None else {tabs.tabText(i): tabs.widget(i) for i in range(tabs.count())}
    out: list[Shortcut] = []

    def place(widget: QWidget | None) -> tuple[str, str]:
        for title, panel in panels.items():
            if widget is not None and (widget is panel or panel.isAncestorOf(widget)):
                return title, " › ".join(_tab_path(widget, panel))
        return EVERYWHERE, ""

    for act in window.findChildren(QAction):
        for seq in act.shortcuts():
            if not seq.isEmpty():
                desc = act.text().replace("&", "").replace("…", "").strip() or act.toolTip()
                out.append(Shortcut(*place(owner_widget(act) if act.parent() is not window else None),
                                    native(seq), desc or NO_DESCRIPTION, act, "action"))
    for b in window.findChildren(QAbstractButton):
        if not b.shortcut().isEmpty():
            out.append(Shortcut(*place(b), native(b.shortcut()), _describe_button(b), b, "button"))
    for sc in window.findChildren(QShortcut):
        if not sc.key().isEmpty():
            out.append(Shortcut(*place(owner_widget(sc)), native(sc.key()),
                                sc.whatsThis().strip() or NO_DESCRIPTION, sc, "shortcut"))
    order = {title: i for i, title in enumerate([EVERYWHERE, *panels])}
    out.sort(key=lambda s: (order.get(s.panel, 99), s.view, s.keys))
    return out
