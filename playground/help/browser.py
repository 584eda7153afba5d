"""The help window (non-modal): a list of pages beside a QTextBrowser, and the generated
keyboard-shortcuts page. Links of the form help:page#anchor move between pages."""
from __future__ import annotations

import html
import re
from itertools import groupby

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QResizeEvent
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QTextBrowser,
                               QVBoxLayout, QWidget)

from .. import keys as table
from . import INDEX, all_pages, split_topic
from .markup import CSS, key
from .shortcuts import NO_DESCRIPTION, Shortcut

SHORTCUTS = "shortcuts"


# A letter with a combining accent (x̂, ε̂, μ̃): the UI's sans font misplaces the accent (it
# floated onto the line above), the serif face of the formulas places it right.
_ACCENTED = re.compile("(.[\u0300-\u036f]+)")


def document(title: str, body: str) -> str:
    body = _ACCENTED.sub(r"<span class='m'>\1</span>", body)
    return (f"<html><head><style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"{body}</body></html>")


def index_body() -> str:
    items = "".join(f"<li><a href='help:{p.key}'>{html.escape(p.title)}</a></li>"
                    for p in all_pages())
    return ("<p>Every view of the app has a page here: what is plotted, the formula in the "
            "lectures' notation (and the misprints you may meet in printed notes), three "
            "experiments to try first, and what to look for. Press "
            f"{key('F1')} on any view to open its page.</p>"
            f"<ul>{items}</ul><p><a href='help:{SHORTCUTS}'>Keyboard shortcuts</a> of every "
            "panel, read from the app itself.</p>")


def shortcuts_body(entries: list[Shortcut]) -> str:
    parts = ["<p>Generated from the shortcuts the widgets hold, so it is always complete. A "
             "view's keys work while that view is on screen (some only while the keyboard "
             "focus is inside it: click the view first).</p>", _action_table()]
    for panel, in_panel in groupby(entries, key=lambda s: s.panel):
        parts.append(f"<h2>{html.escape(panel)}</h2>")
        for view, in_view in groupby(in_panel, key=lambda s: s.view):
            if view:
                parts.append(f"<h3>{html.escape(view)}</h3>")
            rows = "".join(
                f"<tr><td width='200'>{' or '.join(key(html.escape(k)) for k in keys)}</td>"
                f"<td>{html.escape(text)}</td></tr>" for keys, text in _merged(list(in_view)))
            parts.append(f"<table cellpadding='3' cellspacing='0'>{rows}</table>")
    missing = [s for s in entries if s.description == NO_DESCRIPTION]
    if missing:
        parts.append(f"<p class='note'>{len(missing)} shortcut(s) have no description yet.</p>")
    return "".join(parts)


def _action_table() -> str:
    """The table every panel reads (playground.keys): one meaning per key, in every panel."""
    seen, rows = set(), []
    for a in table.all_actions():
        if a.name.startswith("Choose item"):
            if "choose" in seen:
                continue
            seen.add("choose")
            rows.append((key("1") + "–" + key("9") + ", " + key("0"), "Choose item k",
                         "The view's k-th numbered item: a class to draw or paint, a layer"))
            continue
        texts = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.sequences()]
        texts = [t for t in texts if t]     # a standard key this platform leaves unbound
        if texts:
            rows.append((" or ".join(key(html.escape(t)) for t in texts), html.escape(a.name),
                         html.escape(a.what)))
    body = "".join(f"<tr><td width='140'>{k}</td><td><b>{n}</b>: {w}</td></tr>"
                   for k, n, w in rows)
    return ("<h2>The same key everywhere</h2><p>A key means one action in every panel; "
            f"the panels below list where each applies.</p><table cellpadding='3' "
            f"cellspacing='0'>{body}</table>")


def digit_pattern(e: Shortcut) -> str | None:
    """"Draw class k (conditional models)" for the key 3 described as "Draw class 3 (…)"."""
    if len(e.keys) == 1 and e.keys.isdigit() and e.keys in e.description:
        return e.description.replace(e.keys, "k")
    return None


def _merged(entries: list[Shortcut]) -> list[tuple[list[str], str]]:
    """One row per action: keys with the same description share a row ("Ctrl+Shift+Z or
    Ctrl+Y"), and digit keys whose descriptions differ only by the digit become a range
    ("0–9: Draw class k")."""
    rows: dict[tuple[bool, str], list[Shortcut]] = {}
    for e in entries:
        pattern = digit_pattern(e)
        rows.setdefault((pattern is not None, pattern or e.description), []).append(e)
    out = []
    for (is_digit, text), group in rows.items():
        keys = [e.keys for e in group]
        if not is_digit or len(group) == 1:
            out.append((keys, group[0].description if len(group) == 1 else text))
            continue
        digits = sorted(int(k) for k in keys)
        contiguous = digits == list(range(digits[0], digits[-1] + 1))
        out.append(([f"{digits[0]}–{digits[-1]}"] if contiguous else [str(d) for d in digits], text))
    return out


class PageBrowser(QTextBrowser):
    """A QTextBrowser that brings a section to the top of the view.

    A section near the end of its page could not scroll that far (F1 showed it halfway down,
    under the section before), so the page gets blank room below its last line: just what
    the section needs to reach the top, none for a section further up. The text reflows
    with the width, so the room is measured again on every resize (the window's first page
    is set before the window is shown at its real size).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._anchor = ""

    def show_page(self, html_text: str, anchor: str = "") -> None:
        self._anchor = ""
        self.setHtml(html_text)
        self.show_section(anchor)

    def show_section(self, anchor: str) -> None:
        self._anchor = anchor
        self._pad()
        if anchor:
            self.scrollToAnchor(anchor)   # (deferred by Qt until shown, if the view is hidden)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self._anchor:
            self._pad()

    def _pad(self) -> None:
        doc = self.document()
        root = doc.rootFrame()
        fmt = root.frameFormat()
        fmt.setBottomMargin(doc.documentMargin())     # the page as it is, then what it lacks
        root.setFrameFormat(fmt)
        top = self._anchor_top(self._anchor) if self._anchor else None
        if top is None:
            return
        lacking = self.viewport().height() - (doc.size().height() - top)
        if lacking > 0:
            fmt.setBottomMargin(doc.documentMargin() + lacking)
            root.setFrameFormat(fmt)

    def _anchor_top(self, name: str) -> float | None:
        """Where scrollToAnchor puts the view's top for `name` (the same search Qt makes)."""
        doc = self.document()
        block = doc.begin()
        while block.isValid():
            top = doc.documentLayout().blockBoundingRect(block).top()
            if name in block.charFormat().anchorNames():    # <a name></a> before a heading
                return top
            for it in block:
                fragment = it.fragment()
                if name in fragment.charFormat().anchorNames():
                    at = fragment.position() - block.position()
                    line = block.layout().lineForTextPosition(at)
                    return top + (line.y() if line.isValid() else 0.0)
            block = block.next()
        return None


class HelpWindow(QDialog):
    """Pages on the left, the page on the right. `shortcut_source` returns the current list
    of shortcuts (the window's, collected when the page is shown)."""

    def __init__(self, parent: QWidget | None = None, shortcut_source=None):
        super().__init__(parent)
        self.setWindowTitle("Generative Playground — Help")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self._shortcut_source = shortcut_source
        self.pages = QListWidget()
        self.pages.setMaximumWidth(230)
        self.browser = PageBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        self.browser.setMinimumSize(640, 520)
        self._keys = [INDEX]
        self.pages.addItem(QListWidgetItem("Contents"))
        for page in all_pages():
            self.pages.addItem(QListWidgetItem(page.title))
            self._keys.append(page.key)
        self.pages.addItem(QListWidgetItem("Keyboard shortcuts"))
        self._keys.append(SHORTCUTS)
        self.pages.currentRowChanged.connect(lambda row: self.show_topic(self._keys[row])
                                             if 0 <= row < len(self._keys) else None)
        lay = QHBoxLayout(self)
        lay.addWidget(self.pages)
        right = QVBoxLayout()
        right.addWidget(self.browser)
        lay.addLayout(right, 1)
        self.resize(980, 720)
        self.topic = ""

    def show_topic(self, topic: str) -> None:
        page_key, anchor = split_topic(topic)
        pages = {p.key: p for p in all_pages()}
        if page_key == SHORTCUTS:
            entries = self._shortcut_source() if self._shortcut_source else []
            text = document("Keyboard shortcuts", shortcuts_body(entries))
        elif page_key in pages:
            text = document(pages[page_key].title, pages[page_key].body)
        else:
            page_key, anchor = INDEX, ""
            text = document("Help", index_body())
        self.topic = page_key + (f"#{anchor}" if anchor else "")
        self.browser.show_page(text, anchor)
        self.pages.blockSignals(True)
        self.pages.setCurrentRow(self._keys.index(page_key))
        self.pages.blockSignals(False)

    def _link(self, url: QUrl) -> None:
        if url.scheme() == "help":
            self.show_topic(url.path() + (f"#{url.fragment()}" if url.fragment() else ""))
        elif url.toString().startswith("#"):
            self.browser.show_section(url.fragment())

    def page_html(self) -> str:
        return self.browser.toHtml()
