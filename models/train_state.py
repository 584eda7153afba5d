"""What a run needs to continue where it stopped, beside its checkpoint: train_state.safetensors.

model.safetensors holds what the app uses (the AE, diffusion's EMA weights, the GAN's G).
Continuing a run needs more: every trained module (diffusion's raw U-Net, the GAN's D), the
optimisers' moments, the EMA, the step, and every random-number generator's state (each
rank's own). They go into a second safetensors file in the same folder, its scalars (step,
optimiser settings, world size) as JSON in the header, written atomically like the
checkpoint: no pickle anywhere. The app's loaders never read it (a checkpoint folder is read
through model.safetensors).

A trainer takes part by keeping its generators in `self.generators` (made with
`Resumable.generator`) and listing its modules and optimisers in `train_parts()`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .checkpoint import (_META_KEY, CheckpointError, _atomic_write, _finite, _json, read_header,
                         read_tensors)
from .distributed import SINGLE, Dist

TRAIN_STATE = "train_state.safetensors"
FORMAT_VERSION = 1


@dataclass
class Parts:
    """A trainer's resumable pieces, by name."""
    modules: dict[str, torch.nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    generators: dict[str, torch.Generator] = field(default_factory=dict)
    scalars: dict = field(default_factory=dict)     # JSON-able (EMA update count, …)


class Resumable:
    """What every trainer shares for resuming: generators that pick up a saved state, and
    the position in the run a saved step count means."""

    _resume_rng: dict[str, torch.Tensor] = {}

    def generator(self, name: str, seed: int, device) -> torch.Generator:
        """A generator seeded `seed`, or in the state a resumed run saved for this rank."""
        g = torch.Generator(device=device).manual_seed(seed)
        state = self._resume_rng.get(name)
        if state is not None:
            g.set_state(state)
        if "generators" not in self.__dict__:
            self.generators = {}
        self.generators[name] = g
        return g

    def train_parts(self) -> Parts:
        """The modules, optimisers and generators a resumed run needs; each trainer that
        can resume (and train on several processes) lists its own."""
        raise NotImplementedError(f"{type(self).__name__} cannot resume or train distributed")

    @property
    def resumable(self) -> bool:
        return type(self).train_parts is not Resumable.train_parts

    def set_scalars(self, scalars: dict) -> None:
        """Take back what train_parts().scalars saved (besides the step count)."""


def position(steps_done: int, steps_per_epoch: int) -> tuple[int, int]:
    """(1-based epoch, batch within it) where a run that finished `steps_done` steps goes on."""
    return steps_done // steps_per_epoch + 1, steps_done % steps_per_epoch


def _rng_states(parts: Parts, d: Dist) -> dict[str, torch.Tensor]:
    states = {f"{name}": g.get_state() for name, g in parts.generators.items()}
    states["torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        # the current device's (cuda:LOCAL_RANK under torchrun): dropout on a GPU draws from it
        states["cuda"] = torch.cuda.get_rng_state()
    return states


def capture(parts: Parts, d: Dist = SINGLE) -> tuple[dict[str, np.ndarray], dict]:
    """(tensors, JSON-able header) of everything `parts` holds. In a distributed run every rank
    must call it at the same step: the generators' states are gathered from all ranks."""
    tensors: dict[str, np.ndarray] = {}
    for name, module in parts.modules.items():
        for k, v in module.state_dict().items():
            tensors[f"module/{name}/{k}"] = v.detach().to("cpu", copy=True).numpy()
    optim_meta = {}
    for name, opt in parts.optimizers.items():
        sd = opt.state_dict()
        extra = {}
        for idx, entry in sd["state"].items():
            for key, value in entry.items():
                if torch.is_tensor(value):
                    tensors[f"optim/{name}/{idx}/{key}"] = \
                        value.detach().to("cpu", copy=True).numpy()
                else:
                    extra.setdefault(str(idx), {})[key] = value
        optim_meta[name] = {"param_groups": sd["param_groups"], "extra": extra}
    for name, state in _rng_states(parts, d).items():
        for r, s in enumerate(_gather(state, d)):
            tensors[f"rng/{name}/{r}"] = s.numpy()
    header = {"format_version": FORMAT_VERSION, "world_size": d.world_size,
              "optimizers": optim_meta, "scalars": dict(parts.scalars)}
    return tensors, header


def _gather(state: torch.Tensor, d: Dist) -> list[torch.Tensor]:
    """Every rank's copy of a generator state (uint8, the same size on every rank)."""
    if not d.active:
        return [state.clone()]
    import torch.distributed as dist

    local = state.to(d.device)
    out = [torch.empty_like(local) for _ in range(d.world_size)]
    dist.all_gather(out, local)
    return [t.cpu() for t in out]


def save_train_state(directory: str | os.PathLike, tensors: dict[str, np.ndarray],
                     header: dict, meta: dict) -> Path:
    """Write train_state.safetensors into `directory` (atomically). `meta` is the checkpoint's
    metadata (family, configs, steps), kept so a resume can check it continues the same run."""
    from safetensors.numpy import save as st_save

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # infinite settings (the command line's "no live samples") become null, as in config.json
    text = json.dumps(_finite({**header, "run": meta}), sort_keys=True, allow_nan=False,
                      default=_json_default)
    arrays = {k: np.require(v, requirements="C") for k, v in tensors.items()}
    for k, v in arrays.items():
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            raise CheckpointError(f"refusing to save the training state: {k!r} has NaN or "
                                  "infinite values")
    path = directory / TRAIN_STATE
    _atomic_write(path, st_save(arrays, metadata={_META_KEY: text}))
    return path


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, torch.Tensor) and o.numel() == 1:
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")


def read_train_state(directory: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """(tensors, header) of a folder's train_state.safetensors, checked as checkpoints are:
    bounded header, offsets that add up, finite floats, never a pickle."""
    path = Path(directory).expanduser() / TRAIN_STATE
    if not path.is_file():
        raise CheckpointError(f"{directory}: no {TRAIN_STATE}, so there is no run to resume "
                              "here (a checkpoint from an older version, or a run saved "
                              "without one).")
    infos, text = read_header(path)
    if text is None:
        raise CheckpointError(f"{path}: no training state header.")
    header = _json(text, path)
    if not isinstance(header, dict) or header.get("format_version") != FORMAT_VERSION \
            or not isinstance(header.get("run"), dict):
        raise CheckpointError(f"{path}: not a training state this version can read.")
    return read_tensors(path, infos), header


def restore(tensors: dict[str, np.ndarray], header: dict, trainer: Resumable,
            d: Dist = SINGLE) -> None:
    """Put a saved state into `trainer`: weights, optimiser states, step, this rank's
    generator states (taken when the trainer makes its generators) and torch's own RNG."""
    parts = trainer.train_parts()
    for name, module in parts.modules.items():
        prefix = f"module/{name}/"
        state = {k[len(prefix):]: torch.from_numpy(np.array(v)) for k, v in tensors.items()
                 if k.startswith(prefix)}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise CheckpointError(f"the saved {name} does not fit this model: {exc}") from exc
    for name, opt in parts.optimizers.items():
        saved = header["optimizers"].get(name)
        if saved is None:
            raise CheckpointError(f"the training state has no optimiser {name!r}")
        prefix = f"optim/{name}/"
        state: dict[int, dict] = {}
        for k, v in tensors.items():
            if k.startswith(prefix):
                idx, key = k[len(prefix):].split("/", 1)
                state.setdefault(int(idx), {})[key] = torch.from_numpy(np.array(v))
        for idx, entries in saved["extra"].items():
            state.setdefault(int(idx), {}).update(entries)
        groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
                   for k, v in g.items()} for g in saved["param_groups"]]
        opt.load_state_dict({"state": state, "param_groups": groups})
    rng = {}
    for k, v in tensors.items():
        if k.startswith("rng/"):
            _, name, r = k.split("/")
            if int(r) == d.rank:
                rng[name] = torch.from_numpy(np.array(v))
    # a run resumed on more processes than saved it: the new ranks draw fresh noise
    if "torch" in rng:
        torch.set_rng_state(rng.pop("torch"))
    if "cuda" in rng:
        cuda = rng.pop("cuda")
        if torch.cuda.is_available():
            torch.cuda.set_rng_state(cuda)
    trainer._resume_rng = rng
    trainer.steps_done = int(header["run"]["steps"])
    trainer.set_scalars(dict(header.get("scalars", {})))


def check_same_run(saved: dict, meta: dict, where) -> None:
    """CheckpointError unless `meta` (the run about to start) continues `saved`'s run: the
    same family, model, data and training settings; only the number of epochs may grow."""
    problems = []
    if saved.get("family") != meta.get("family"):
        problems.append(f"it trained {saved.get('family')!r}, not {meta.get('family')!r}")
    if _plain(saved.get("config")) != _plain(meta.get("config")):
        problems.append("the model settings differ")
    a, b = dict(_plain(saved.get("training")) or {}), dict(_plain(meta.get("training")) or {})
    a.pop("epochs", None), b.pop("epochs", None)
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if differ:
        problems.append("the training settings differ (" + ", ".join(differ[:6]) + ")")
    sd, md = saved.get("dataset", {}), meta.get("dataset", {})
    if (sd.get("name"), sd.get("train_size")) != (md.get("name"), md.get("train_size")):
        problems.append(f"it trained on {sd.get('name')} ({sd.get('train_size')} images), "
                        f"this run has {md.get('name')} ({md.get('train_size')})")
    if problems:
        raise CheckpointError(f"{where}: cannot resume: " + "; ".join(problems)
                              + ". Run the same command that started it, with --resume.")


def _plain(o):
    """Through JSON and back as saved, so tuples compare equal to the lists a file holds and
    infinities to its nulls."""
    return json.loads(json.dumps(_finite(o), default=_json_default)) if o is not None else None
