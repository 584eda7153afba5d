"""Before Qt loads its X11 platform plugin: are the system libraries it needs installed?

The PySide6 wheel bundles Qt but not the X11/xcb libraries its `xcb` platform plugin links
against. On a fresh Debian/Ubuntu desktop some are often missing (libxcb-icccm4,
libxcb-keysyms1, and since Qt 6.5 libxcb-cursor0). Qt then aborts with a core dump and a
message that blames the plugin ("Could not load the Qt platform plugin "xcb" … no Qt platform
plugin could be initialized"), not the library. This module reads what the plugin needs from
the plugin itself (the ELF DT_NEEDED entries of libqxcb.so and libQt6XcbQpa.so), looks each
library up the way the dynamic loader would, and when some are missing says which ones and
the apt and dnf commands that install them.

Nothing here imports Qt's widgets: it must run before QApplication exists.
"""
from __future__ import annotations

import ctypes
import os
import struct
import sys
from pathlib import Path
from typing import Callable, Iterable

# Exit status of the app when it cannot open a window for want of system libraries.
EXIT_MISSING_LIBS = 3

# soname -> (Debian/Ubuntu package, Fedora/RHEL package). The names of the libraries the xcb
# plugin of Qt 6 links against (and a few it has linked against in other 6.x releases).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libz.so.1": ("zlib1g", "zlib"),
}
# What Qt 6.11's plugin needs, for when the plugin cannot be read (not an ELF file, moved).
FALLBACK_NEEDED = (
    "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-image.so.0",
    "libxcb-util.so.1", "libxcb-render-util.so.0", "libxcb-randr.so.0", "libxcb-render.so.0",
    "libxcb-shape.so.0", "libxcb-shm.so.0", "libxcb-sync.so.1", "libxcb-xfixes.so.0",
    "libxcb-xkb.so.1", "libxcb.so.1", "libxkbcommon.so.0", "libxkbcommon-x11.so.0",
    "libX11-xcb.so.1", "libX11.so.6",
)

Lookup = Callable[[str], bool]


def uses_xcb(platform: str = sys.platform, env: dict | None = None,
             argv: Iterable[str] = ()) -> bool:
    """Whether Qt will try its xcb plugin: on Linux, unless another platform is chosen
    (QT_QPA_PLATFORM, `-platform`) or a Wayland session will be picked first."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        return False
    argv = list(argv)
    if "-platform" in argv[:-1]:
        chosen = argv[argv.index("-platform") + 1]
    else:
        chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        # "xcb", "xcb:option", or a fallback list "wayland;xcb": only the first is tried first
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    # Unset: Qt 6 prefers Wayland in a Wayland session.
    return not (env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"))


def elf_needed(path: str | os.PathLike) -> list[str]:
    """The DT_NEEDED entries (sonames) of an ELF shared object. Raises ValueError when the
    file is not one this reader understands."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ValueError(f"{path}: not an ELF file")
    is64, end = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        shdr, dyn = end + "IIQQQQIIQQ", end + "qQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        shdr, dyn = end + "IIIIIIIIII", end + "iI"
    sections = [struct.unpack_from(shdr, data, shoff + i * shentsize) for i in range(shnum)]
    needed = []
    for _name, sh_type, _flags, _addr, offset, size, link, *_ in sections:
        if sh_type != 6:                      # SHT_DYNAMIC
            continue
        strtab_offset = sections[link][4]
        for pos in range(offset, offset + size, struct.calcsize(dyn)):
            tag, value = struct.unpack_from(dyn, data, pos)
            if tag == 0:                      # DT_NULL ends the table
                break
            if tag == 1:                      # DT_NEEDED: an offset into the string table
                start = strtab_offset + value
                needed.append(data[start:data.index(b"\0", start)].decode())
    return needed


def qt_dir() -> Path | None:
    """The Qt folder inside the installed PySide6 wheel (without importing PySide6's Qt)."""
    import importlib.util
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "Qt"


def xcb_needed(qt: Path | None = None) -> list[str]:
    """The system libraries the xcb plugin links against: the sonames it and libQt6XcbQpa
    need, less those the wheel bundles. The fallback list when the plugin cannot be read."""
    qt = qt_dir() if qt is None else qt
    if qt is None:
        return list(FALLBACK_NEEDED)
    plugin, qpa = qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"
    try:
        names = elf_needed(plugin) + elf_needed(qpa)
    except (OSError, ValueError, struct.error, IndexError):
        return list(FALLBACK_NEEDED)
    bundled = {p.name for p in (qt / "lib").glob("*.so*")}
    return list(dict.fromkeys(n for n in names if n not in bundled))


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds `soname` (LD_LIBRARY_PATH, ld.so.cache, /lib…), as it
    will when Qt loads the plugin. Loading it early costs nothing: Qt loads it next."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(needed: Iterable[str] | None = None, lookup: Lookup = can_load) -> list[str]:
    return [n for n in (xcb_needed() if needed is None else needed) if not lookup(n)]


def install_message(missing: list[str]) -> str:
    """What is missing and the commands that install it, for Debian/Ubuntu and Fedora/RHEL."""
    apt = list(dict.fromkeys(PACKAGES[n][0] for n in missing if n in PACKAGES))
    dnf = list(dict.fromkeys(PACKAGES[n][1] for n in missing if n in PACKAGES))
    unknown = [n for n in missing if n not in PACKAGES]
    lines = ["Generative Playground cannot open its window: Qt's X11 (xcb) platform plugin needs "
             "system libraries that are not installed:",
             "  " + ", ".join(missing), ""]
    if apt:
        lines += ["Install them with:", f"  Debian/Ubuntu:  sudo apt-get install {' '.join(apt)}",
                  f"  Fedora/RHEL:    sudo dnf install {' '.join(dnf)}"]
    if unknown:
        lines.append("Find the package that provides " + ", ".join(unknown)
                     + " with your system's package search (apt-file search, dnf provides).")
    lines.append("Then start the app again.")
    return "\n".join(lines)


def check_xcb_libraries(lookup: Lookup = can_load, needed: Iterable[str] | None = None,
                        env: dict | None = None, platform: str = sys.platform,
                        argv: Iterable[str] = (), stream=None) -> int | None:
    """None when Qt may go ahead; else print what is missing to `stream` (stderr) and return
    the exit status the app should end with (Qt would abort with a core dump instead)."""
    if not uses_xcb(platform, env, argv):
        return None
    missing = missing_libraries(needed, lookup)
    if not missing:
        return None
    print(install_message(missing), file=sys.stderr if stream is None else stream)
    return EXIT_MISSING_LIBS
