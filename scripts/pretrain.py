"""Run ``pretrain-skipgram`` or ``pretrain-elmo`` with the preset this machine and mode call for.

Usage: python scripts/pretrain.py {skipgram,elmo} OUTPUT_DIR --gpu-id N --smoke true|false [--n-procs N] [OVERRIDES ...]

- ``--gpu-id N >= 0`` with CUDA: the GPU config of scripts/presets.py; without
  CUDA it says so and runs on the CPU with the CPU config.
- ``--smoke true`` adds the smoke overrides of scripts/presets.py.
- ``--n-procs N > 1`` runs the command data-parallel under
  ``torchrun --standalone --nproc-per-node N`` (one machine; see the README
  for several machines).
- ELMo: when an interrupted run of the same command left a checkpoint in
  ``OUTPUT_DIR.partial``, it passes ``--resume`` so training continues from it.
  A checkpoint from a different command or different inputs is not resumed
  (the shapes would not match); training starts over.
Other arguments (``--paths.train F`` ...) are passed on to the command.
"""
import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from presets import CONFIGS, SMOKE_OVERRIDES, parse_bool
from wasabi import msg

# Where pretrain-elmo keeps its checkpoint, relative to OUTPUT_DIR.partial.
ELMO_CHECKPOINT = Path("checkpoint/elmo.pt")


def choose_device(gpu_id: int) -> Tuple[int, str]:
    """The GPU id to pass on (-1 for CPU) and the preset kind (``"gpu"`` or ``"cpu"``)."""
    if gpu_id < 0:
        return -1, "cpu"
    import torch

    if not torch.cuda.is_available():
        msg.warn(f"gpu_id is {gpu_id} but no CUDA device is available: continuing on CPU with the CPU-sized preset.")
        return -1, "cpu"
    return gpu_id, "gpu"


def choose_config(command: str, kind: str) -> Path:
    """The config file for ``command`` on a ``kind`` machine, falling back to the CPU one if it is absent."""
    config = CONFIGS[command][kind]
    if not config.exists() and kind == "gpu":
        msg.warn(f"{config} not found: using the CPU preset {CONFIGS[command]['cpu']} on the GPU.")
        config = CONFIGS[command]["cpu"]
    return config


def partial_dir(output_dir: Path) -> Path:
    """Where an unfinished run keeps its files (see spacy_elmo_w2v.output)."""
    from spacy_elmo_w2v.output import partial_dir as product_partial_dir

    return product_partial_dir(output_dir)


def run_fingerprint(argv: Sequence[str], output_dir: Path) -> str:
    """A hash of the command line and of the size and mtime of every input file it names.

    Two runs with the same fingerprint train the same model on the same data,
    so the later one may resume from the earlier one's checkpoint. The output
    directory (an older finished run) is not an input and is left out.
    """
    digest = hashlib.md5(json.dumps(list(argv)).encode("utf8"))
    for arg in argv:
        path = Path(arg)
        if not path.exists() or path.resolve() == output_dir.resolve():
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            stat = file.stat()
            digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode("utf8"))
    return digest.hexdigest()


def fingerprint_file(output_dir: Path) -> Path:
    """Where the fingerprint of the run that writes ``output_dir`` is kept (beside its partial dir)."""
    return output_dir.with_name(output_dir.name + ".run.json")


def should_resume(output_dir: Path, fingerprint: str) -> bool:
    """True when ``OUTPUT_DIR.partial`` holds a checkpoint written by a run with this fingerprint."""
    checkpoint = partial_dir(output_dir) / ELMO_CHECKPOINT
    if not checkpoint.exists():
        return False
    saved = fingerprint_file(output_dir)
    if saved.exists() and json.loads(saved.read_text(encoding="utf8")).get("fingerprint") == fingerprint:
        msg.info(f"Found the checkpoint of an interrupted run in {checkpoint}: resuming.")
        return True
    msg.warn(f"{checkpoint} comes from a different command or different inputs: starting over.")
    return False


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
    """The ``python -m spacy_elmo_w2v pretrain-...`` argv (without ``--resume``), under torchrun when ``n_procs > 1``."""
    device_id, kind = choose_device(gpu_id)
    config = choose_config(command, kind)
    argv = [*launcher(n_procs), "-m", "spacy_elmo_w2v", f"pretrain-{command}", str(config), str(output_dir)]
    argv += ["--gpu-id", str(device_id), "--overwrite", *extra]
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
    if args.command == "elmo":
        fingerprint = run_fingerprint(cmd, args.output_dir)
        if should_resume(args.output_dir, fingerprint):
            cmd.append("--resume")
        args.output_dir.parent.mkdir(parents=True, exist_ok=True)
        fingerprint_file(args.output_dir).write_text(json.dumps({"fingerprint": fingerprint, "argv": cmd}), encoding="utf8")
    msg.info(" ".join(cmd[1:]))
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
