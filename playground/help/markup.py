"""Small HTML builders shared by the help pages, so every page looks the same.

Qt's rich text understands a subset of HTML 4 and CSS: tables with bgcolor and cellpadding
give the boxed formulas; <sub>/<sup> and Unicode give the lectures' notation without a
LaTeX renderer.
"""
from __future__ import annotations

from PySide6.QtGui import QKeySequence

from ..keys import Action

CSS = """
body { font-size: 10.5pt; }
h1 { font-size: 16pt; margin-bottom: 4px; }
h2 { font-size: 13pt; margin-top: 14px; margin-bottom: 4px; color: #1f3b73; }
h3 { font-size: 11pt; margin-top: 10px; margin-bottom: 2px; }
.f { font-family: 'DejaVu Serif', 'Cambria Math', 'Times New Roman', serif; font-size: 12pt; }
.m { font-family: 'DejaVu Serif', 'Cambria Math', 'Times New Roman', serif; }
.note { color: #555; }
.key { font-family: monospace; background-color: #eceff4; }
"""


def formula(html: str, where: str = "") -> str:
    """A formula on its own line, boxed, in a serif face; `where` explains its symbols."""
    tail = f"<br><span class='note'>{where}</span>" if where else ""
    return ("<table width='100%' cellpadding='8' cellspacing='0' bgcolor='#f2f5fb' "
            "style='margin-top: 4px; margin-bottom: 4px'>"
            f"<tr><td><span class='f'>{html}</span>{tail}</td></tr></table>")


def misprint(wrong: str, why: str) -> str:
    """A common misprint of the formula above it, struck through, and why it is wrong."""
    return ("<table width='100%' cellpadding='8' cellspacing='0' bgcolor='#fdf0ef' "
            "style='margin-top: 4px; margin-bottom: 4px'>"
            "<tr><td><b>A misprint you may meet</b> (wrong, struck out):<br>"
            f"<span class='f' style='text-decoration: line-through'>{wrong}</span><br>"
            f"{why}</td></tr></table>")


def section(anchor: str, title: str) -> str:
    return f"<a name='{anchor}'></a><h2>{title}</h2>"


def bullets(items) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def experiments(items) -> str:
    """What to try first: numbered, each a concrete action and what it shows."""
    return "<h3>Try this first</h3><ol>" + "".join(f"<li>{i}</li>" for i in items) + "</ol>"


def look_for(items) -> str:
    return "<h3>What to look for</h3>" + bullets(items)


def key(k) -> str:
    """A key as the help writes it; given an action of playground.keys, its keys as the
    platform writes them ("Ctrl+T"; "S or Right"), so a page cannot name a retired key."""
    if isinstance(k, Action):
        return " or ".join(key(s.toString(QKeySequence.SequenceFormat.NativeText))
                           for s in k.sequences())
    return f"<span class='key'>&nbsp;{k}&nbsp;</span>"


def link(topic: str, text: str) -> str:
    return f"<a href='help:{topic}'>{text}</a>"


def see_also(*links: tuple[str, str]) -> str:
    return "<p><b>See also:</b> " + " · ".join(link(t, x) for t, x in links) + \
        f" · {link('shortcuts', 'Keyboard shortcuts')}</p>"
