"""Help → What am I seeing? (F1), Keyboard shortcuts, and the first-run hint."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt, QUrl  # noqa: E402

pytestmark = pytest.mark.gui


def _press_f1(qtbot, w):
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)   # the help window may have been on top
    w.tabs.tabBar().setFocus()
    qtbot.keyClick(w.tabs.tabBar(), Qt.Key.Key_F1)
    assert w._help is not None and w._help.isVisible()
    return w._help


def test_f1_opens_the_page_of_the_view_on_screen(qtbot, make_window):
    from playground.help import PAGES, all_pages
    all_pages()
    w = make_window()
    ae, dif, gan, p2p = w.autoencoder, w.diffusion, w.gan, w.pix2pix
    cases = [(ae, lambda: ae.tools.setCurrentWidget(ae.morph_tool), "autoencoder#morph"),
             (ae, lambda: ae.tools.setCurrentWidget(ae.sample_tool), "autoencoder#sample"),
             (ae, lambda: ae.compare_btn.setChecked(True), "autoencoder#compare"),
             (dif, lambda: dif.views.setCurrentWidget(dif.forward), "diffusion-forward"),
             (dif, lambda: (dif.views.setCurrentWidget(dif.reverse),
                            dif.reverse.tabs.setCurrentWidget(dif.reverse.guidance_view)),
              "diffusion-reverse#guidance"),
             (dif, lambda: dif.reverse.tabs.setCurrentWidget(dif.reverse.chain), "diffusion-reverse#chain"),
             (dif, lambda: dif.views.setCurrentWidget(dif.toy), "diffusion-2d"),
             (gan, lambda: gan.views.setCurrentWidget(gan.lab), "gan-lab"),
             (gan, lambda: (gan.views.setCurrentWidget(gan.digits),
                            gan.digits.tabs.setCurrentWidget(gan.digits.conditional)),
              "gan-digits#conditional"),
             (p2p, lambda: p2p.views.setCurrentWidget(p2p.paint), "pix2pix-paint"),
             (p2p, lambda: p2p.views.setCurrentWidget(p2p.train), "pix2pix-train")]
    for panel, show, topic in cases:
        w.tabs.setCurrentWidget(panel)
        show()
        help_window = _press_f1(qtbot, w)
        assert help_window.topic == topic
        page = PAGES[topic.partition("#")[0]]
        assert page.title in help_window.browser.toPlainText()
        assert not help_window.isModal()
    ae.compare_btn.setChecked(False)


def test_every_view_of_every_panel_has_a_page(make_window):
    """Walk every tab of every panel: the topic each names is a registered page with that
    anchor, so F1 never lands on the contents by accident."""
    from playground.help import PAGES, all_pages, split_topic
    from playground.help.shortcuts import tabs_holding
    from PySide6.QtWidgets import QTabWidget
    all_pages()
    w = make_window()
    seen = set()
    for panel in [w.panel(key) for key in w.specs]:          # every panel, the new ones too
        w.tabs.setCurrentWidget(panel)
        for tabs in panel.findChildren(QTabWidget):
            for i in range(tabs.count()):
                for outer, page in tabs_holding(tabs.widget(i)):
                    outer.setCurrentWidget(page)
                topic = panel.help_topic()
                key, anchor = split_topic(topic)
                assert key in PAGES, topic
                assert not anchor or f"name='{anchor}'" in PAGES[key].body, topic
                seen.add(key)
    assert seen == set(PAGES)


def test_help_menu_links_and_the_generated_shortcuts_page(qtbot, make_window):
    from playground.help.browser import digit_pattern
    from playground.help.shortcuts import collect
    w = make_window()
    menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Help")
    texts = [a.text().replace("&", "") for a in menu.actions()]
    assert texts == ["What am I seeing?", "Keyboard shortcuts", "About"]
    next(a for a in menu.actions() if a.text() == "&Keyboard shortcuts").trigger()
    assert w.tabs.count() == 6
    help_window = w._help
    assert help_window.topic == "shortcuts"
    text = help_window.browser.toPlainText()
    entries = collect(w, {p.title: p for p in (w.autoencoder, w.diffusion, w.gan, w.pix2pix, w.likelihood)})
    for e in entries:      # every shortcut, with its description (digit keys as a range)
        assert e.description in text or digit_pattern(e) in text, e
    assert "0–9" in text and "Draw class k (conditional models)" in text
    assert re.search(r"Ctrl\+Shift\+Z\W+or\W+Ctrl\+Y", text)   # one row: same action
    for title in ("Autoencoders", "Diffusion", "GANs", "pix2pix", "Translation", "Likelihood", "Reverse process › Chain"):
        assert title in text
    # the contents page links every page; following a link shows it
    help_window.show_topic("index")
    help_window.browser.anchorClicked.emit(QUrl("help:gan-lab"))
    assert help_window.topic == "gan-lab" and "minimax" in help_window.browser.toPlainText()
    help_window.browser.anchorClicked.emit(QUrl("help:diffusion-reverse#guidance"))
    assert help_window.topic == "diffusion-reverse#guidance"
    help_window.pages.setCurrentRow(help_window.pages.count() - 1)   # the list: shortcuts last
    assert help_window.topic == "shortcuts"


def test_the_first_run_hint_shows_once_and_points_at_f1(qtbot, make_window):
    first = make_window()
    assert first._hint is not None and "F1" in first._hint.label.text()
    assert first._hint.isVisible()
    _press_f1(qtbot, first)                   # using help dismisses it
    assert not first._hint.isVisible()
    second = make_window()
    assert second._hint is None


def test_every_link_in_every_page_leads_to_a_page_or_section():
    import re as _re

    from playground.help import PAGES, all_pages, split_topic
    from playground.help.browser import SHORTCUTS
    all_pages()
    for page in PAGES.values():
        for topic in _re.findall(r"href='help:([^']+)'", page.body):
            key, anchor = split_topic(topic)
            assert key == SHORTCUTS or key in PAGES, (page.key, topic)
            assert not anchor or f"name='{anchor}'" in PAGES[key].body, (page.key, topic)


@pytest.mark.parametrize("topic, first_words", [
    ("gan-digits#conditional", "For a conditional GAN"),      # the last section of its page
    ("diffusion-reverse#train", "Train ("),
    ("autoencoder#sample", "Draw from prior")])
def test_a_section_opens_at_the_top_of_the_window(qtbot, topic, first_words):
    """F1 on a view whose section ends its page showed the section halfway down, under the
    one before it: the page is now long enough to scroll any section to the top."""
    from playground.help.browser import HelpWindow
    h = HelpWindow()
    qtbot.addWidget(h)
    h.show_topic(topic)     # as the main window's F1 does: the page first, then show()
    h.show()
    qtbot.waitExposed(h)
    found = h.browser.document().find(first_words)
    assert not found.isNull()
    assert h.browser.cursorRect(found).top() < 80   # viewport pixels: under the heading


def test_the_room_below_a_page_is_only_what_its_section_needs(qtbot):
    """The page ended in a window-height of blank room whenever it opened at a section: now a
    section that ends its page reaches the top exactly at the end of the scroll, and a
    section with enough text below it adds no room."""
    from playground.help.browser import HelpWindow
    h = HelpWindow()
    qtbot.addWidget(h)
    bar = h.browser.verticalScrollBar()
    h.show_topic("gan-digits#conditional")        # the last section of its page
    h.show()
    qtbot.waitExposed(h)
    top = bar.value()
    assert top > 0 and bar.maximum() == top       # at the top, and no further to scroll
    shown = h.browser.viewport().height()
    h.resize(h.width(), h.height() + 200)         # a taller window needs more room: it gets it
    qtbot.waitUntil(lambda: h.browser.viewport().height() == shown + 200, timeout=2000)
    assert bar.maximum() == top
    h.show_topic("autoencoder")                   # the page alone …
    plain = bar.maximum()
    h.show_topic("autoencoder#sample")            # … and at a section well above its end
    assert 0 < bar.value() < plain and bar.maximum() == plain
