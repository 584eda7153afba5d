"""Checkpoints: round trips, refusing broken or unsafe files, and atomic saving."""
from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file, save_file

import models
from models import CheckpointError, load_checkpoint, save_checkpoint
from models.autoencoder.nets import AEConfig
from models.autoencoder.api import AutoencoderModel
from models.checkpoint import CONFIG, WEIGHTS, read_checkpoint


def make_model(latent_dim: int = 2, kind: str = "vae", arch: str = "conv", seed: int = 0,
               **meta) -> AutoencoderModel:
    torch.manual_seed(seed)
    return AutoencoderModel(AEConfig(kind=kind, arch=arch, latent_dim=latent_dim, hidden=32), meta)


@pytest.fixture
def saved(tmp_path) -> tuple[Path, AutoencoderModel]:
    model = make_model(note="first")
    folder = tmp_path / "ckpt"
    model.save(folder)
    return folder, model


def _z(d: int, n: int = 6) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(n, d)).astype(np.float32)


def _error(path, *words) -> str:
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    msg = str(info.value)
    for w in words:
        assert w in msg, msg
    return msg


def _embedded_meta(folder: Path) -> dict:
    return {"playground": (folder / CONFIG).read_text()}


def _write_meta(folder: Path, text: str) -> None:
    """Put the same metadata text in config.json and in the weights' header, as a save would."""
    (folder / CONFIG).write_text(text)
    state = load_file(str(folder / WEIGHTS))
    save_file(state, str(folder / WEIGHTS), metadata={"playground": text})


# --------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("kind,arch,latent_dim", [("vae", "conv", 2), ("ae", "mlp", 5)])
def test_round_trip_through_folder_and_weights_file(tmp_path, kind, arch, latent_dim):
    model = make_model(latent_dim, kind, arch, note="hello", metrics={"knn5_accuracy": np.float64(0.75)})
    folder = tmp_path / "ckpt"
    model.save(folder, steps=np.int64(12))
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG, WEIGHTS]
    z = _z(latent_dim)
    images = (np.random.default_rng(2).uniform(size=(4, 28, 28))).astype(np.float32)
    for path in (folder, folder / WEIGHTS, str(folder)):
        loaded = load_checkpoint(path)
        assert isinstance(loaded, AutoencoderModel)
        assert loaded.config == model.config
        np.testing.assert_array_equal(loaded.decode(z), model.decode(z))
        np.testing.assert_array_equal(loaded.encode(images), model.encode(images))
        assert loaded.meta["note"] == "hello"
        assert loaded.meta["metrics"] == {"knn5_accuracy": 0.75}
        assert loaded.meta["steps"] == 12
        assert loaded.meta["family"] == "autoencoder"
        assert loaded.meta["config"] == model.config.to_dict()
        assert loaded.meta["app_version"] == models.__version__
        assert loaded.meta["format_version"] == 1
    for k, v in load_checkpoint(folder).state_numpy().items():
        np.testing.assert_array_equal(v, model.state_numpy()[k])


def test_decoding_differs_between_different_weights(saved):
    # guards the round trip test: two models with different weights do decode differently
    folder, model = saved
    other = make_model(seed=1)
    assert not np.array_equal(other.decode(_z(2)), load_checkpoint(folder).decode(_z(2)))


def test_lone_weights_file_carries_its_metadata(saved, tmp_path):
    folder, model = saved
    lone = tmp_path / "elsewhere" / "renamed.safetensors"
    lone.parent.mkdir()
    shutil.copy(folder / WEIGHTS, lone)
    loaded = load_checkpoint(lone)
    assert loaded.meta["note"] == "first" and loaded.config == model.config
    np.testing.assert_array_equal(loaded.decode(_z(2)), model.decode(_z(2)))
    # a folder whose only weights file has another name also loads
    assert load_checkpoint(lone.parent).meta["note"] == "first"


def test_the_embedded_copy_wins_over_config_json(saved):
    # The weights file is replaced in one rename, so its own copy of the configuration is the
    # one that always matches the weights; config.json is the readable mirror.
    folder, model = saved
    meta = json.loads((folder / CONFIG).read_text())
    meta["note"] = "edited"
    meta["config"]["latent_dim"] = 3
    (folder / CONFIG).write_text(json.dumps(meta))
    loaded = load_checkpoint(folder)
    assert loaded.meta.get("note") != "edited"
    np.testing.assert_array_equal(loaded.decode(_z(2)), model.decode(_z(2)))


def test_config_json_is_used_for_weights_without_embedded_metadata(saved):
    folder, model = saved
    save_file(load_file(str(folder / WEIGHTS)), str(folder / WEIGHTS))  # strip the header copy
    assert load_checkpoint(folder).latent_dim == 2
    (folder / CONFIG).write_text('{"family": "autoencoder", ')
    _error(folder, str(folder / CONFIG), "not valid JSON")


# --------------------------------------------------------------------------- broken files

def test_truncated_weights(saved):
    folder, _ = saved
    raw = (folder / WEIGHTS).read_bytes()
    (folder / WEIGHTS).write_bytes(raw[: len(raw) // 2])  # header intact, data cut
    _error(folder, str(folder / WEIGHTS))
    (folder / WEIGHTS).write_bytes(raw[:40])  # header cut
    _error(folder, str(folder / WEIGHTS), "truncated")


def test_garbage_bytes(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _error(path, str(path))
    path.write_bytes(b'{"this is": "json, not safetensors"}' * 10)
    _error(path, str(path))


def test_empty_file(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"")
    _error(path, str(path), "empty")


def test_missing_path_and_folder_without_weights(tmp_path):
    _error(tmp_path / "nope", str(tmp_path / "nope"), "no such")
    (tmp_path / "a.safetensors").write_bytes(b"")
    (tmp_path / "b.safetensors").write_bytes(b"")
    _error(tmp_path, str(tmp_path), WEIGHTS)


def test_weights_for_another_latent_size(saved):
    folder, _ = saved
    meta = json.loads((folder / CONFIG).read_text())
    meta["config"]["latent_dim"] = 3
    _write_meta(folder, json.dumps(meta))
    msg = _error(folder, str(folder), "to_mu.weight", "(2, 32)", "(3, 32)")
    assert "do not match" in msg


def _rewrite_weights(folder: Path, change) -> None:
    state = load_file(str(folder / WEIGHTS))
    change(state)
    save_file(state, str(folder / WEIGHTS), metadata=_embedded_meta(folder))


def test_missing_weight(saved):
    folder, _ = saved
    _rewrite_weights(folder, lambda s: s.pop("to_logvar.bias"))
    _error(folder, str(folder), "missing weights", "to_logvar.bias")


def test_extra_weight(saved):
    folder, _ = saved
    _rewrite_weights(folder, lambda s: s.update({"surprise.weight": np.zeros(3, np.float32)}))
    _error(folder, str(folder), "unexpected weights", "surprise.weight")


def test_wrong_dtype(saved):
    folder, _ = saved
    _rewrite_weights(folder, lambda s: s.update({"to_mu.bias": s["to_mu.bias"].astype(np.float64)}))
    _error(folder, str(folder), "to_mu.bias", "float64", "float32")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weight(saved, bad):
    folder, _ = saved

    def poison(state):
        state["to_mu.weight"] = state["to_mu.weight"].copy()
        state["to_mu.weight"][0, 0] = bad
    _rewrite_weights(folder, poison)
    _error(folder, str(folder / WEIGHTS), "to_mu.weight", "NaN or infinite")


def test_weights_without_any_metadata(tmp_path):
    path = tmp_path / "plain.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(path))
    _error(path, str(path), "no config.json")


def test_unknown_family(saved):
    folder, _ = saved
    meta = json.loads((folder / CONFIG).read_text())
    meta["family"] = "no-such-family"
    _write_meta(folder, json.dumps(meta))
    _error(folder, str(folder), "'no-such-family'")


def test_config_without_family(saved):
    folder, _ = saved
    _write_meta(folder, json.dumps({"config": {}}))
    _error(folder, str(folder / WEIGHTS), "family")


def test_invalid_json_config(saved):
    folder, _ = saved
    _write_meta(folder, '{"family": "autoencoder", ')
    _error(folder, str(folder / WEIGHTS), "not valid JSON")


def test_bad_autoencoder_config(saved):
    folder, _ = saved
    meta = json.loads((folder / CONFIG).read_text())
    meta["config"]["kind"] = "gan"
    _write_meta(folder, json.dumps(meta))
    _error(folder, str(folder), "configuration", "gan")


# --------------------------------------------------------------------------- never unpickle

class _Armed:
    """Unpickling this creates a file: proof that something was unpickled."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_the_pickle_payload_is_armed(tmp_path):
    # control: the payload used below does run when unpickled
    marker = tmp_path / "control-marker"
    torch.save({"weights": _Armed(marker)}, tmp_path / "control.pt")
    torch.load(tmp_path / "control.pt", weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("zipfile", [True, False], ids=["zip", "legacy"])
@pytest.mark.parametrize("as_folder", [False, True], ids=["file", "folder"])
def test_torch_save_files_are_refused_unopened(tmp_path, zipfile, as_folder):
    marker = tmp_path / "pwned"
    path = tmp_path / "ckpt" / (WEIGHTS if as_folder else "model.pt")
    path.parent.mkdir()
    torch.save({"weights": _Armed(marker), "x": torch.zeros(2)}, path,
               _use_new_zipfile_serialization=zipfile)
    msg = _error(path.parent if as_folder else path, str(path), "pickle")
    assert "never" in msg
    assert not marker.exists()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_pickles_are_refused_unopened(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / WEIGHTS
    path.write_bytes(pickle.dumps({"weights": _Armed(marker)}, protocol=protocol))
    msg = _error(path, str(path))
    if protocol >= 2:  # protocols 0 and 1 have no magic number to recognise
        assert "pickle" in msg
    assert not marker.exists()


# --------------------------------------------------------------------------- atomic saving

def test_save_leaves_no_temp_files_and_overwrites(saved):
    folder, _ = saved
    make_model(seed=5, note="second").save(folder)
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG, WEIGHTS]
    assert load_checkpoint(folder).meta["note"] == "second"


def test_save_refuses_non_finite_weights(tmp_path):
    state = {"w": np.array([1.0, np.nan], np.float32)}
    with pytest.raises(CheckpointError, match="'w'"):
        save_checkpoint(tmp_path / "c", state, {"family": "autoencoder", "config": {}})
    assert not (tmp_path / "c" / WEIGHTS).exists()
    with pytest.raises(ValueError, match="family"):
        save_checkpoint(tmp_path / "d", {"w": np.zeros(1, np.float32)}, {"config": {}})


def _failing_replace(monkeypatch, fail_on_call: int):
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_failed_save_keeps_the_previous_files(saved, monkeypatch):
    folder, model = saved
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls = _failing_replace(monkeypatch, fail_on_call=1)
    with pytest.raises(OSError):
        make_model(latent_dim=3, seed=7, note="second").save(folder)
    assert calls["n"] == 1
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no temp files either
    np.testing.assert_array_equal(load_checkpoint(folder).decode(_z(2)), model.decode(_z(2)))


def test_save_failing_between_the_two_files_keeps_a_loadable_checkpoint(saved, monkeypatch):
    # The weights (with their embedded configuration) were replaced, config.json was not: the
    # folder must load as one consistent checkpoint, here the new one, never a mix of the two.
    folder, _ = saved
    second = make_model(latent_dim=3, seed=7, note="second")
    _failing_replace(monkeypatch, fail_on_call=2)
    with pytest.raises(OSError):
        second.save(folder)
    monkeypatch.undo()
    assert not [p for p in folder.iterdir() if p.name not in (CONFIG, WEIGHTS)]  # no temp files
    loaded = load_checkpoint(folder)
    assert loaded.latent_dim == 3 and loaded.meta["note"] == "second"
    np.testing.assert_array_equal(loaded.decode(_z(3)), second.decode(_z(3)))


def test_read_checkpoint_returns_numpy_state_and_meta(saved):
    folder, model = saved
    state, meta = read_checkpoint(folder)
    assert set(state) == set(model.state_numpy())
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert meta["family"] == "autoencoder"


def test_saving_onto_a_file_says_a_checkpoint_is_a_folder(tmp_path):
    from models.checkpoint import CheckpointError, save_checkpoint
    target = tmp_path / "taken"
    target.write_text("someone's notes")
    with pytest.raises(CheckpointError, match="is a file: a checkpoint is saved as a folder"):
        save_checkpoint(target, {"w": np.zeros(2, np.float32)}, {"family": "x", "config": {}})
    assert target.read_text() == "someone's notes"
