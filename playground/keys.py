"""The one table of keyboard shortcuts every panel reads.

An action ("Train", "New noise", "Export picture") has the same keys in every panel, and a
key means one action everywhere: a user who learnt Ctrl+T in the autoencoder panel trains
with it in the diffusion and GAN panels too. Panels never write key strings themselves; they
bind an action from here (`bind_button`, `shortcut`), which also tags the widget with the
action's name, so the shortcut test and the Help → Keyboard shortcuts page can check that
no key carries two different actions.

Keys are portable strings ("Ctrl+T") or a QKeySequence.StandardKey where the platform has a
convention (Open, Save, Quit, Help), as QKeySequence takes them; reading a StandardKey needs
the QApplication (Qt asks the platform theme), so the help pages, which render without one,
name only string keys.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QWidget

ACTION_PROPERTY = "playgroundAction"     # the Qt property that names a bound action


@dataclass(frozen=True)
class Action:
    name: str                 # the same in every panel: what the key does
    keys: tuple               # the first is the one tooltips name
    what: str                 # a general description, for the table in the help

    def sequences(self) -> list[QKeySequence]:
        return [QKeySequence(k) for k in self.keys]

    def native(self) -> str:
        """The first key as the platform writes it, "Ctrl+T"; for tooltips."""
        return self.sequences()[0].toString(QKeySequence.SequenceFormat.NativeText)

    def native_all(self) -> str:
        """Every key, "S or Right", as tooltips write alternatives."""
        return " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                           for s in self.sequences())


def _numbered(n: int) -> Action:
    # One action for all the numbered choices: in each view the digits pick its n-th item
    # (the class to draw or paint, the layer to show), the way number keys do in most apps.
    return Action(f"Choose item {n}", (str(n),), f"The view's item {n}: a class to draw or "
                  "paint, or a layer to show")


# ---------------------------------------------------------------------- the window
OPEN = Action("Open checkpoint", (QKeySequence.StandardKey.Open,),
              "Open a checkpoint into the current panel's model list")
SAVE = Action("Save checkpoint", (QKeySequence.StandardKey.Save,),
              "Save the current panel's selected model")
QUIT = Action("Quit", (QKeySequence.StandardKey.Quit,), "Close the window")
HELP = Action("Help", (QKeySequence.StandardKey.HelpContents,), "What the current view shows")

# ---------------------------------------------------------------------- training
TRAIN = Action("Train", ("Ctrl+T",), "Train a fresh model with the settings shown")
PAUSE = Action("Pause / resume training", ("Ctrl+P",), "Pause training, or resume it")
STOP = Action("Stop training", ("Ctrl+.",), "Stop training and keep the weights so far")

# ---------------------------------------------------------------------- using a model
SAMPLE = Action("Sample", ("Ctrl+Return",), "Draw new samples from the model")
CANCEL = Action("Stop sampling", ("Esc",), "Stop a running sampler; what it finished stays")
NEW_NOISE = Action("New noise", ("Ctrl+N",), "A new random seed: new noise for the model")
COMPARE = Action("Compare", ("Ctrl+K",), "Two models or samplers side by side")
GRID = Action("Grid", ("Ctrl+G",), "A grid of images over a latent plane or a range of "
              "guidance scales")
# Space while a playback slider has the focus (so that elsewhere it still presses the focused
# button); Ctrl+Shift+P anywhere in a view whose bar asks for it (the morph's)
PLAY = Action("Play / pause", ("Space", "Ctrl+Shift+P"), "Play or pause an animation (Space "
              "while its slider has the focus), or the 2-D lab's game")
STEP = Action("One step", ("S", "Right"), "One round of the 2-D GAN game")
STEP_D = Action("Train D only", ("D",), "One update of the discriminator alone")
STEP_G = Action("Train G only", ("G",), "One update of the generator alone")
RESET = Action("Reset", ("Ctrl+Shift+R",), "New random networks; the charts start over")
SWAP = Action("Swap ends", ("X",), "Swap the interpolation's ends A and B")
CYCLE = Action("Cycle trajectories", ("T",), "Show the next set of particle trajectories")
COLOUR = Action("Colour by start", ("C",), "Colour particles by where they started")
ANY_CLASS = Action("Any class", ("*",), "Draw from every class")
CHOOSE = {n: _numbered(n) for n in range(10)}

# ---------------------------------------------------------------------- inputs and files
RANDOM = Action("Random example", ("Ctrl+R",), "A random example from the data")
LOAD_INPUT = Action("Open input", ("Ctrl+L",), "Use your own input: an image, points, "
                    "a label map")
SAVE_INPUT = Action("Save input", ("Ctrl+Shift+L",), "Save the input you drew")
EXPORT = Action("Export picture", ("Ctrl+E",), "Save what the view shows as a PNG")
EXPORT_MORE = Action("Export animation or data", ("Ctrl+Shift+E",),
                     "Save an animation (GIF) or the numbers behind a plot (.npz)")
CLEAR = Action("Clear drawing", ("Ctrl+Backspace",), "Erase what you drew")
UNDO = Action("Undo", ("Ctrl+Z",), "Undo the last stroke")
REDO = Action("Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo what was undone")

# ---------------------------------------------------------------------- looking closer
ZOOM_IN = Action("Zoom in", ("Ctrl++", "Ctrl+="), "Zoom in on a picture (the wheel does too)")
ZOOM_OUT = Action("Zoom out", ("Ctrl+-",), "Zoom out of a picture")
FIT = Action("Fit", ("Ctrl+0",), "Show the whole picture again")

# ---------------------------------------------------------------------- tools and modes
EXPLORE = Action("Explore tool", ("V",), "Click or drag to look at one point (V as the "
                 "pointer tool of drawing programs)")
LASSO = Action("Lasso tool", ("L",), "Draw around things to select them")
RECTANGLE = Action("Rectangle tool", ("R",), "Drag a rectangle: select the points in it, or "
                   "paint it")
BRUSH = Action("Brush tool", ("B",), "Paint freehand")
FILL = Action("Fill tool", ("F",), "Fill a region")
ERASER = Action("Eraser tool", ("E",), "Paint the background")
PICK = Action("Pick tool", ("I",), "Take the colour under the cursor")
SMALLER = Action("Smaller brush", ("[",), "Shrink the brush")
LARGER = Action("Larger brush", ("]",), "Grow the brush")


def all_actions() -> list[Action]:
    """Every action of the table, in the order above."""
    return [v for v in globals().values() if isinstance(v, Action)] + list(CHOOSE.values())


def tip(text: str, action: Action) -> str:
    """A tooltip that names the action's keys: "Train a fresh model (Ctrl+T)"."""
    return f"{text} ({action.native_all()})"


def bind_button(button: QAbstractButton, action: Action, tooltip: str | None = None,
                only: str | None = None) -> None:
    """Give a button the action's key (its first one, or `only` that one) and, if given, a
    tooltip naming the action's keys."""
    if only is not None and only not in action.keys:
        raise ValueError(f"{only!r} is not a key of {action.name!r}: {action.keys}")
    button.setShortcut(action.sequences()[0] if only is None else QKeySequence(only))
    button.setProperty(ACTION_PROPERTY, action.name)
    if tooltip is not None:
        button.setToolTip(tip(tooltip, action))


def shortcut(action: Action, parent: QWidget, slot, what: str,
             context: Qt.ShortcutContext | None = None, only: str | None = None) -> list[QShortcut]:
    """QShortcuts for each of the action's keys (or `only` that one) on `parent`, described
    by `what` (the list of shortcuts shows it) and calling `slot`."""
    if only is not None and only not in action.keys:
        raise ValueError(f"{only!r} is not a key of {action.name!r}: {action.keys}")
    out = []
    for seq in action.sequences() if only is None else [QKeySequence(only)]:
        sc = QShortcut(seq, parent)
        sc.setWhatsThis(what)
        if context is not None:
            sc.setContext(context)
        sc.setProperty(ACTION_PROPERTY, action.name)
        sc.activated.connect(slot)
        out.append(sc)
    return out


def action_of(obj: QObject) -> str | None:
    """The action a widget, QShortcut or QAction was bound to, or None."""
    name = obj.property(ACTION_PROPERTY)
    return name if isinstance(name, str) and name else None
