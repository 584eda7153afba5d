"""Checkpoints from strangers (issue 11 §6): the configuration is checked against the weight
file's header before anything is built or read; every failure is a CheckpointError naming the
file; saves leave no temp files behind and honour the umask. Ends with a seeded fuzz."""
from __future__ import annotations

import json
import os
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from models import CheckpointError, load_checkpoint, save_checkpoint
from models import checkpoint as ckpt
from models.autoencoder.nets import AEConfig
from models.autoencoder.api import AutoencoderModel
from models.weights import WeightsMixin


def _raw_safetensors(path: Path, tensors: dict[str, tuple[str, list[int], int]], meta: dict,
                     data: bytes | None = None, sparse_size: int | None = None) -> Path:
    """A safetensors file written by hand: name → (dtype, shape, nbytes), laid end to end."""
    header, offset = {}, 0
    for name, (dtype, shape, nbytes) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = {"playground": json.dumps(meta)}
    raw = json.dumps(header).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        if sparse_size is not None:                 # a hole: the bytes exist without disk
            f.truncate(8 + len(raw) + offset)
        else:
            f.write(data if data is not None else b"\0" * offset)
    return path


@pytest.fixture
def no_real_module(monkeypatch):
    """Fails the test if any inference object allocates its module for real."""
    built = []
    original = WeightsMixin.__init__

    def spy(self, *args, **kwargs):
        built.append(type(self).__name__)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(WeightsMixin, "__init__", spy)
    return built


def test_tiny_file_asking_for_a_huge_pix2pix_is_refused_before_building(tmp_path, no_real_module):
    # the case: 204 bytes, pix2pix depth 8 width 256 (3.9 GB when built first)
    meta = {"family": "pix2pix", "config": {"input": "rgb", "size": 256, "depth": 8, "width": 256}}
    path = _raw_safetensors(tmp_path / "big" / "model.safetensors", {}, meta)
    t0 = time.perf_counter()
    with pytest.raises(CheckpointError, match="at most|missing weights") as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)
    assert no_real_module == []
    assert time.perf_counter() - t0 < 30          # generous; it was 7.7 s plus 3.9 GB


def test_width_512_is_refused_by_the_parameter_bound(tmp_path, no_real_module):
    meta = {"family": "pix2pix", "config": {"input": "rgb", "size": 256, "depth": 8, "width": 512}}
    path = _raw_safetensors(tmp_path / "w" / "model.safetensors", {}, meta)
    with pytest.raises(CheckpointError, match="at most"):
        load_checkpoint(path)
    assert no_real_module == []


def test_an_extra_tensor_is_refused_before_any_tensor_is_read(tmp_path, monkeypatch):
    model = AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16))
    state = model.state_numpy()
    meta = {"family": "autoencoder", "config": model.config.to_dict()}
    tensors = {k: ("F32", list(v.shape), v.nbytes) for k, v in state.items()}
    tensors["huge"] = ("F32", [64, 2**20], 64 * 2**22)          # 256 MB, a hole on disk
    path = _raw_safetensors(tmp_path / "x" / "model.safetensors", tensors, meta, sparse_size=1)
    read = []
    monkeypatch.setattr(ckpt, "read_tensors", lambda *a: read.append(a) or {})
    monkeypatch.setattr("models.weights.read_tensors", lambda *a: read.append(a) or {})
    with pytest.raises(CheckpointError, match="unexpected weights: huge"):
        load_checkpoint(path)
    assert read == []


def test_header_that_does_not_add_up_is_refused(tmp_path):
    meta = {"family": "autoencoder", "config": {}}
    path = _raw_safetensors(tmp_path / "a" / "model.safetensors", {"w": ("F32", [1000], 4000)},
                            meta, data=b"\0" * 16)
    with pytest.raises(CheckpointError, match="past the end|accounts for"):
        load_checkpoint(path)


@pytest.mark.parametrize("depth", [100_000, 1000])
def test_recursion_deep_json_is_a_checkpoint_error(tmp_path, depth):
    folder = tmp_path / "deep"
    folder.mkdir()
    AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16)).save(folder)
    text = "[" * depth + "]" * depth
    # the embedded copy is the one trusted; put the deep JSON there
    from safetensors.numpy import load_file, save_file
    save_file(load_file(str(folder / "model.safetensors")), str(folder / "model.safetensors"),
              metadata={"playground": text})
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(folder)
    assert "model.safetensors" in str(info.value)


def test_a_path_component_over_255_bytes_is_a_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="255"):
        load_checkpoint(tmp_path / ("x" * 300))


def _saved(tmp_path, **meta) -> Path:
    model = AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16))
    folder = tmp_path / "m"
    model.save(folder, **meta)
    return folder


@pytest.mark.parametrize("meta", [{"dataset": "mnist"}, {"dataset": None},
                                  {"dataset": {"classes": "0123"}}, {"steps": "many"},
                                  {"steps": -1}])
def test_metadata_read_later_with_the_wrong_type_is_refused_at_load(tmp_path, meta):
    folder = _saved(tmp_path, **meta)
    with pytest.raises(CheckpointError, match="'dataset|'steps'"):
        load_checkpoint(folder)


def test_metadata_dataset_as_a_string_is_refused_at_load(tmp_path):
    folder = _saved(tmp_path, dataset="mnist")
    with pytest.raises(CheckpointError, match="'dataset'"):
        load_checkpoint(folder)
    with pytest.raises(CheckpointError, match="'dataset'"):
        ckpt.read_meta(folder)


@pytest.mark.parametrize("box", [[[0, 0], [1]], [[0, 0], [1, "a"]], [[0, 0], [1, 1], [2, 2]],
                                 [[-3e38, -3e38], [3e38, 3e38]], [[1, 1], [0, 0]], "box", 5])
def test_latent_box_that_would_fail_at_sampling_is_refused_at_load(tmp_path, box):
    folder = _saved(tmp_path, latent_box=box)
    with pytest.raises(CheckpointError, match="latent_box"):
        load_checkpoint(folder)


def test_a_good_latent_box_samples(tmp_path):
    model = load_checkpoint(_saved(tmp_path, latent_box=[[-1, -2], [1, 2]]))
    assert np.isfinite(model.sample(5, seed=0)).all()


def test_fifo_and_dev_zero_are_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    results = []
    for target in (fifo, Path("/dev/zero")):
        t = threading.Thread(target=lambda p=target: results.append(_catch(p)), daemon=True)
        t.start()
        t.join(10)
        if t.is_alive():                       # unblock the reader so the test can end
            with open(fifo, "wb"):
                pass
            pytest.fail(f"loading {target} hung")
    assert all(isinstance(r, CheckpointError) and "regular file" in str(r) for r in results), results


def test_config_json_fifo_is_refused(tmp_path):
    folder = _saved(tmp_path)
    from safetensors.numpy import load_file, save_file
    save_file(load_file(str(folder / "model.safetensors")), str(folder / "model.safetensors"))
    (folder / "config.json").unlink()
    os.mkfifo(folder / "config.json")
    assert "regular file" in str(_catch(folder))


def _catch(path):
    try:
        load_checkpoint(path)
    except Exception as exc:  # noqa: BLE001 - the test inspects the type
        return exc
    return None


# ------------------------------------------------------------------ saving
def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        folder = _saved(tmp_path)
    finally:
        os.umask(old)
    for name in ("model.safetensors", "config.json"):
        assert (folder / name).stat().st_mode & 0o777 == 0o644


def test_stale_temp_files_of_an_interrupted_save_are_removed(tmp_path):
    folder = _saved(tmp_path)
    stale = [folder / ".model.safetensors.0123456789ab.tmp", folder / ".config.json.abcdef012345.tmp"]
    fresh = folder / ".model.safetensors.ffffffffffff.tmp"      # another save, still running
    other = folder / "notes.tmp"                                 # not of our naming
    for p in (*stale, fresh, other):
        p.write_bytes(b"x" * 100)
    past = time.time() - 3600
    for p in (*stale, other):
        os.utime(p, (past, past))
    AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16)).save(folder)
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and other.exists()
    assert load_checkpoint(folder).latent_dim == 2


# ------------------------------------------------------------------ fuzz
def _mutations(good: bytes, rng: np.random.Generator):
    """Seeded damage to a valid file: truncations, bit flips, header-length and header edits."""
    n = len(good)
    hlen = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + hlen])
    for _ in range(8):
        yield "truncate", good[:int(rng.integers(0, n))]
    for _ in range(10):
        b = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(0, min(n, 8 + hlen + 64)))     # mostly in the header
            b[i] ^= 1 << int(rng.integers(0, 8))
        yield "flip", bytes(b)
    for value in (0, 7, n, 2**40, 2**64 - 1):
        yield "hlen", struct.pack("<Q", value) + good[8:]
    names = [k for k in header if k != "__metadata__"]
    edits = [
        lambda h, k: h[k].update(shape=[2**31, 2**31]),
        lambda h, k: h[k].update(shape="3"),
        lambda h, k: h[k].update(dtype="BF16"),
        lambda h, k: h[k].update(dtype=["F32"]),
        lambda h, k: h[k].update(data_offsets=[0, 2**62]),
        lambda h, k: h[k].update(data_offsets=[-4, 0]),
        lambda h, k: h.__setitem__(k, 5),
        lambda h, k: h.pop(k),
        lambda h, k: h.__setitem__("__metadata__", "x"),
        lambda h, k: h["__metadata__"].__setitem__("playground", json.dumps(
            {"family": "pix2pix", "config": {"depth": 8, "width": 256, "size": 256}})),
        lambda h, k: h["__metadata__"].__setitem__("playground", json.dumps(
            {"family": "autoencoder", "config": {"latent_dim": 10**18}})),
        lambda h, k: h["__metadata__"].__setitem__("playground", json.dumps(
            {"family": "autoencoder", "config": [1, 2]})),
        lambda h, k: h["__metadata__"].__setitem__("playground", json.dumps(
            {"family": ["gan"], "config": {}})),
        lambda h, k: h["__metadata__"].__setitem__("playground", "{" * 50_000),
    ]
    for edit in edits:
        h = json.loads(json.dumps(header))
        edit(h, names[int(rng.integers(0, len(names)))])
        raw = json.dumps(h).encode()
        yield "edit", struct.pack("<Q", len(raw)) + raw + good[8 + hlen:]


def test_fuzzed_checkpoints_load_or_fail_cleanly(tmp_path):
    import tracemalloc
    good_dir = _saved(tmp_path, latent_box=[[-1, -1], [1, 1]])
    good = (good_dir / "model.safetensors").read_bytes()
    (good_dir / "config.json").unlink()             # the fuzzed header is all there is
    rng = np.random.default_rng(20261202)
    cases = list(_mutations(good, rng))
    assert 30 <= len(cases) <= 60
    outcomes = {"ok": 0, "refused": 0}
    for i, (kind, data) in enumerate(cases):
        path = tmp_path / f"case{i}" / "model.safetensors"
        path.parent.mkdir()
        path.write_bytes(data)
        tracemalloc.start()
        try:
            load_checkpoint(path)
            outcomes["ok"] += 1
        except CheckpointError as exc:
            assert str(path) in str(exc), (kind, str(exc))
            outcomes["refused"] += 1
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"case {i} ({kind}) raised {type(exc).__name__}: {exc}")
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < 64 * 2**20, (i, kind, peak)
    assert outcomes["refused"] >= len(cases) // 2, outcomes


def test_a_header_length_that_starts_like_a_pickle_still_loads(tmp_path):
    # 0x0180 = 384: the file begins 80 01, the marker of a protocol-1 pickle
    model = AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16))
    for pad in range(0, 400):
        folder = tmp_path / f"p{pad}"
        model.save(folder, note="x" * pad)
        head = (folder / "model.safetensors").read_bytes()[:2]
        if head[0] == 0x80 and head[1] <= 5:
            break
    else:
        pytest.skip("no padding gave a header length of 0x80 + 256·k")
    assert load_checkpoint(folder).latent_dim == 2


def test_checking_a_checkpoint_imports_no_compiler():
    """The meta-device build skips initialisers: normal_ has no meta kernel, and its Python
    fallback imports torch._dynamo (about 2 s, on the GUI thread when a panel opens its shipped
    checkpoints: the Diffusion tab took 2.4 s to open)."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    code = ("import sys, torch\n"
            "from pathlib import Path\n"
            "from models import load_checkpoint\n"
            "names = sorted(p.name for p in Path('checkpoints').iterdir() if p.is_dir())\n"
            "for name in names:\n"
            "    load_checkpoint(Path('checkpoints') / name)\n"
            "print(len(names), 'torch._dynamo' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    count, imported = proc.stdout.split()
    assert int(count) >= 8 and imported == "False"


def test_the_meta_build_leaves_real_initialisation_alone():
    """Only meta tensors skip their fill; a real module built meanwhile is initialised."""
    from models.weights import _NoRandomFills
    with torch.device("meta"), _NoRandomFills():
        meta = torch.nn.Embedding(10, 4)
        real = torch.nn.Embedding(10, 4, device="cpu")
    assert meta.weight.is_meta
    assert real.weight.abs().sum() > 0 and torch.isfinite(real.weight).all()
