"""Run ``pretrain-skipgram`` or ``pretrain-elmo`` with the preset this machine and mode call for.

Usage: python scripts/pretrain.py {skipgram,elmo} OUTPUT_DIR --gpu-id N --smoke true|false [--n-procs N] [OVERRIDES ...]

- ``--gpu-id N >= 0`` with CUDA: the config with the GPU overrides of
  scripts/presets.py; without CUDA it says so and runs on the CPU with the
  config as it is (the CPU preset).
- ``--smoke true`` adds the smoke overrides of scripts/presets.py.
- ``--n-procs N > 1`` runs the command data-parallel under
  ``torchrun --standalone --nproc-per-node N`` (one machine; see the README
  for several machines).
- ELMo: when an unfinished run left a checkpoint in ``OUTPUT_DIR.partial``,
  it passes ``--resume``; ``pretrain-elmo`` itself checks that the checkpoint
  comes from the same config and input files, and otherwise stops with a
  message that says what differs and how to start over.
Other arguments (``--paths.train F`` ...) are passed on to the command.
"""
import argparse
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from presets import CONFIGS, GPU_OVERRIDES, SMOKE_OVERRIDES, parse_bool
from wasabi import msg


def choose_device(gpu_id: int) -> Tuple[int, str]:
    """The GPU id to pass on (-1 for CPU) and the preset kind (``"gpu"`` or ``"cpu"``): the device
    :func:`spacy_elmo_w2v.device.resolve_device` picks (it warns when CUDA is missing)."""
    if gpu_id < 0:
        return -1, "cpu"
    from spacy_elmo_w2v.device import resolve_device

    device = resolve_device(gpu_id)
    if device.type != "cuda":
        msg.info("Using the CPU-sized preset.")
        return -1, "cpu"
    return device.index or 0, "gpu"


def resume_flags(command: str, output_dir: Path) -> List[str]:
    """``["--resume"]`` when ``command`` is elmo and an unfinished run left its checkpoint, else ``[]``."""
    from spacy_elmo_w2v.elmo.checkpoint import checkpoint_path

    checkpoint = checkpoint_path(output_dir)
    if command != "elmo" or not checkpoint.exists():
        return []
    msg.info(f"Found the checkpoint of an unfinished run in {checkpoint}: passing --resume.")
    return ["--resume"]


def launcher(n_procs: int) -> List[str]:
    """``python`` for one process; ``python -m torch.distributed.run --standalone --nproc-per-node N`` for more."""
    if n_procs < 1:
        raise SystemExit(f"n_procs must be at least 1, got {n_procs}")
    if n_procs == 1:
        return [sys.executable]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(n_procs)]


def build_command(
    command: str, output_dir: Path, gpu_id: int, smoke: bool, extra: Sequence[str], n_procs: int = 1
) -> List[str]:
    """The ``python -m spacy_elmo_w2v pretrain-...`` argv (without ``--resume``), under torchrun when
    ``n_procs > 1``: the command's config, then the GPU overrides on a GPU, the passed arguments,
    and the smoke overrides."""
    device_id, kind = choose_device(gpu_id)
    argv = [*launcher(n_procs), "-m", "spacy_elmo_w2v", f"pretrain-{command}", str(CONFIGS[command]), str(output_dir)]
    argv += ["--gpu-id", str(device_id), "--overwrite"]
    if kind == "gpu":
        argv += GPU_OVERRIDES[command]
    argv += list(extra)
    if smoke:
        argv += SMOKE_OVERRIDES[command]
    return argv


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build and run the command; returns its exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=sorted(CONFIGS))
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--smoke", type=parse_bool, default=False)
    parser.add_argument("--n-procs", type=int, default=1, help="data-parallel processes on this machine (torchrun)")
    args, extra = parser.parse_known_args(argv)
    cmd = build_command(args.command, args.output_dir, args.gpu_id, args.smoke, extra, args.n_procs)
    cmd += resume_flags(args.command, args.output_dir)
    msg.info(" ".join(cmd[1:]))
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
