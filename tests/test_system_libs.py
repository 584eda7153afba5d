"""The check for the X11 libraries Qt's xcb plugin needs, run before QApplication exists."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys

import pytest

from playground import system_libs
from playground.system_libs import (EXIT_MISSING_LIBS, check_xcb_libraries, elf_needed,
                                    install_message, uses_xcb, xcb_needed)

NEEDED = ["libxcb.so.1", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"]
X11 = {"DISPLAY": ":0"}
on_linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                              reason="the wheel has the xcb plugin on Linux only")


def test_nothing_is_printed_when_every_library_is_there():
    looked_up, out = [], io.StringIO()
    status = check_xcb_libraries(lookup=lambda n: looked_up.append(n) or True, needed=NEEDED,
                                 env=X11, platform="linux", stream=out)
    assert status is None and out.getvalue() == ""
    assert looked_up == NEEDED


def test_missing_libraries_are_named_with_the_apt_and_dnf_commands():
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"}
    out = io.StringIO()
    status = check_xcb_libraries(lookup=lambda n: n not in absent, needed=NEEDED, env=X11,
                                 platform="linux", stream=out)
    assert status == EXIT_MISSING_LIBS != 0
    text = out.getvalue()
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxcb-cursor.so.0" in text
    assert "libxcb.so.1" not in text                    # present: not named
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0" in text
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms xcb-util-cursor" in text


def test_a_library_without_a_known_package_is_still_named():
    text = install_message(["libxcb-icccm.so.4", "libfuture.so.9"])
    assert "libfuture.so.9" in text and "apt-file search" in text
    assert "sudo apt-get install libxcb-icccm4\n" in text     # the unknown one is not guessed


def test_packages_shared_by_several_libraries_are_installed_once():
    text = install_message(["libxcb-shm.so.0", "libxcb-sync.so.1"])
    assert "sudo dnf install libxcb\n" in text
    assert "sudo apt-get install libxcb-shm0 libxcb-sync1\n" in text


@pytest.mark.parametrize("platform,env,argv,expected", [
    ("linux", {}, [], True),
    ("linux", {"QT_QPA_PLATFORM": "xcb"}, [], True),
    ("linux", {"QT_QPA_PLATFORM": "xcb:nograb"}, [], True),
    ("linux", {"QT_QPA_PLATFORM": "offscreen"}, [], False),
    ("linux", {"QT_QPA_PLATFORM": "wayland;xcb"}, [], False),
    ("linux", {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, [], False),
    ("linux", {"QT_QPA_PLATFORM": "offscreen"}, ["app", "-platform", "xcb"], True),
    ("linux", {}, ["app", "-platform", "vnc"], False),
    ("darwin", {}, [], False),
    ("win32", {}, [], False),
])
def test_only_checked_when_qt_will_use_xcb(platform, env, argv, expected):
    assert uses_xcb(platform, env, argv) is expected
    called = []
    check_xcb_libraries(lookup=lambda n: called.append(n) or False, needed=NEEDED, env=env,
                        platform=platform, argv=argv, stream=io.StringIO())
    assert bool(called) is expected


@on_linux
def test_the_real_plugin_is_read():
    needed = xcb_needed()
    # what Qt 6's xcb plugin links against, and nothing the wheel bundles
    assert {"libxcb.so.1", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0"} <= set(needed)
    assert not [n for n in needed if n.startswith("libQt6")]
    assert needed != list(system_libs.FALLBACK_NEEDED)          # read, not the fallback


@on_linux
@pytest.mark.skipif(shutil.which("ldd") is None, reason="no ldd to compare with")
def test_the_real_lookup_agrees_with_the_dynamic_loader():
    plugin = system_libs.qt_dir() / "plugins" / "platforms" / "libqxcb.so"
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    not_found = {line.split()[0] for line in ldd.splitlines() if "not found" in line}
    # ldd follows the plugin into libQt6XcbQpa too, as xcb_needed does
    assert set(system_libs.missing_libraries()) == not_found


def test_a_file_that_is_not_elf_is_refused(tmp_path):
    (tmp_path / "x.so").write_bytes(b"not an elf")
    with pytest.raises(ValueError, match="not an ELF"):
        elf_needed(tmp_path / "x.so")
    # an unreadable plugin falls back to the known list rather than failing
    (tmp_path / "plugins" / "platforms").mkdir(parents=True)
    (tmp_path / "lib").mkdir()
    assert xcb_needed(tmp_path) == list(system_libs.FALLBACK_NEEDED)
