"""The pix2pix panel: what the Train tab trains becomes paintable in the Paint tab."""
from __future__ import annotations

import numpy as np
import pytest

from models import load_checkpoint
from playground.panels.model_source import TRAINED

pytestmark = pytest.mark.gui
TINY = {"dataset": "landscapes", "size": 64, "width": 8, "pairs": 16, "epochs": 1,
        "batch_size": 8, "objective": "l1+cgan", "patch": 16, "seed": 3}


@pytest.fixture
def panel(qtbot, one_torch_thread):
    from playground.panels.pix2pix.panel import Pix2PixPanel
    p = Pix2PixPanel(device="cpu")
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    yield p
    assert p.shutdown()


def test_the_trained_generator_is_painted_with_and_saved(qtbot, panel, messages, tmp_path):
    paint = panel.paint
    panel.train.form.set_values(TINY)
    with qtbot.waitSignal(panel.train.runner.finished, timeout=60000):
        assert panel.train.start()
    assert paint.current_key() == TRAINED
    assert paint.names[TRAINED] == "Trained here"          # no longer "(training…)"
    model = paint.current_model()
    assert model.config.width == 8 and model.meta["steps"] == 2
    qtbot.waitUntil(lambda: not paint.translator.busy and not paint._asked, timeout=10000)
    paint.noise_box.setChecked(False)
    qtbot.waitUntil(lambda: not paint.translator.busy and not paint._asked, timeout=10000)
    np.testing.assert_array_equal(paint.output_image,
                                  model.translate(paint.label_map(), noise=False))
    # File → Save follows the tab on show: the Train tab saves its run
    panel.views.setCurrentWidget(panel.train)
    assert panel.save_checkpoint(str(tmp_path / "run")) is True
    assert load_checkpoint(tmp_path / "run").meta["steps"] == 2
    assert not [m for m in messages if m[0] == "warning"]


def test_the_shipped_landscapes_model_is_the_default(qtbot, panel):
    paint = panel.paint
    assert paint.current_key() == "landscapes"
    model = paint.current_model()
    assert model is not None, paint.errors.get("landscapes")
    assert model.config.input == "classes" and model.config.size == 64
    qtbot.waitUntil(lambda: paint.output_image is not None, timeout=10000)
    assert paint.output_image.shape == (64, 64, 3)


def test_a_folder_of_ab_pairs_trains_a_photo_to_photo_model(qtbot, panel, messages, tmp_path):
    from PIL import Image

    from models.pix2pix.landscapes import colourise, landscape_pair
    train = tmp_path / "facades" / "train"
    train.mkdir(parents=True)
    for i in range(8):                     # A = the coloured map, B = the photo, side by side
        lab, photo = landscape_pair(i, 64)
        Image.fromarray(np.concatenate([colourise(lab), photo], 1)).save(train / f"{i}.png")
    (train / "broken.png").write_bytes(b"not a png")
    form = panel.train.form
    form.folder = str(tmp_path / "facades")
    form.set_values({**TINY, "dataset": "folder", "direction": "BtoA"})
    with qtbot.waitSignal(panel.train.runner.finished, timeout=60000):
        assert panel.train.start()
    assert not [m for m in messages if m[0] == "warning"]
    paint = panel.paint
    model = paint.current_model()
    assert model.config.input == "rgb" and model.meta["steps"] == 1     # 8 good pairs, batch 8
    assert paint.input_stack.currentIndex() == 1                        # an image, not a canvas
    _, photo = landscape_pair(0, 64)
    Image.fromarray(photo).save(tmp_path / "b.png")
    with qtbot.waitSignal(paint.outputShown, timeout=10000):
        assert paint.load_input_image(str(tmp_path / "b.png"))
    assert paint.output_image.shape == (64, 64, 3)


def test_snapshots_are_built_off_the_gui_thread_and_save(qtbot, panel, monkeypatch, tmp_path):
    # building a U-Net costs the GUI thread 50-130 ms; a snapshot arrives every few seconds
    import threading

    from models.pix2pix.api import Pix2PixConfig, Pix2PixModel
    tiny = Pix2PixModel(Pix2PixConfig(size=64, depth=6, width=4))
    meta = {"family": "pix2pix", "config": tiny.config.to_dict(), "steps": 7}
    built_on = []
    original = Pix2PixModel.from_state.__func__

    def recording(cls, *args, **kwargs):
        built_on.append(threading.current_thread())
        return original(cls, *args, **kwargs)
    monkeypatch.setattr(Pix2PixModel, "from_state", classmethod(recording))
    paint = panel.paint
    with qtbot.waitSignal(paint.outputShown, timeout=10000):
        panel.train.modelTrained.emit(tiny.state_numpy(), meta)
    assert paint.current_key() == TRAINED
    assert built_on and threading.main_thread() not in built_on
    np.testing.assert_array_equal(paint.output_image,
                                  tiny.translate(paint.label_map(), noise=True, seed=paint.seed))
    assert panel.save_checkpoint(str(tmp_path / "snap")) is True
    loaded = load_checkpoint(tmp_path / "snap")
    assert loaded.meta["steps"] == 7
    np.testing.assert_array_equal(loaded.translate(paint.label_map(), noise=False),
                                  tiny.translate(paint.label_map(), noise=False))
